import t from 'tap';
import { sql } from 'kysely';
import { databaseHolds, SAMPLE_JOB } from '../../bin/demo/guard.ts';
import { demoCreators } from '../../bin/demo/plan.ts';
import { registerCreator } from '../../commands/register-creator.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { account, context } from '../commands/fixtures.ts';
import { testDatabase } from '../support/database.ts';

const creators = demoCreators(3);

// The class of bug: the demo writing into data that is not its own. Every kind of content an event
// store can have is classified; only nothing, or the demo's own sample, lets it write.
t.test('what the database holds, as the demo sees it', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  t.same(await databaseHolds(db, creators), { state: 'empty', sample: 'none' }, 'a migrated, empty store');

  await store.append('contract-events-test', [{ id: crypto.randomUUID(), type: 'ContractEventObserved', data: {}, metadata: { source: 'chain', tenantId: null } }]);
  t.same(await databaseHolds(db, creators), { state: 'other', sample: 'none' }, 'raw chain facts someone indexed: not the demo\'s');
});

t.test('the demo\'s own sample, then someone else\'s creator beside it', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  for (const creator of creators) await registerCreator({ store }, { displayName: 'demo' }, context(creator));
  t.same(await databaseHolds(db, creators), { state: 'demo', sample: 'partial' }, 'only demo tenants, the chain facts not indexed yet: a run stopped half-way');
  await sql`insert into indexer_checkpoints (job, last_ledger) values (${`${SAMPLE_JOB}:1-2`}, 2)`.execute(db);
  t.same(await databaseHolds(db, creators), { state: 'demo', sample: 'complete' }, 'the chain facts\' job checkpointed: the sample is whole');

  await registerCreator({ store }, { displayName: 'a real creator' }, context(account()));
  t.same(await databaseHolds(db, creators), { state: 'other', sample: 'complete' }, 'one foreign tenant is enough to refuse');
});

t.test('another demo creator alone is not the sample (the first one marks it)', async (t) => {
  const { db } = await testDatabase(t);
  await registerCreator({ store: createPostgresEventStore(db) }, { displayName: 'demo' }, context(creators[1]!));
  t.same(await databaseHolds(db, creators), { state: 'other', sample: 'none' });
});
