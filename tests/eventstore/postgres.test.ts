import t from 'tap';
import { sql } from 'kysely';
import { EventIdConflict, WrongExpectedRevision } from '../../eventstore/errors.ts';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { testDatabase } from '../support/database.ts';
import { eventStoreContract, newEvent } from './contract.ts';

eventStoreContract(t, async () => createPostgresEventStore((await testDatabase(t)).db));

t.test('PostgreSQL specifics of appendMany and transactions', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);

  t.test('two appends to one stream in one call chain their expected revisions', async (t) => {
    const results = await store.appendMany([
      { streamId: 'chain', events: [newEvent('A'), newEvent('B')], expectedRevision: 'no_stream' },
      { streamId: 'other', events: [newEvent('X')], expectedRevision: 'no_stream' },
      { streamId: 'chain', events: [newEvent('C')], expectedRevision: 1 },
    ]);
    t.same(results.map((r) => [r.streamId, r.revision, r.appended]), [['chain', 1, 2], ['other', 0, 1], ['chain', 2, 1]]);
    t.same((await store.readStream('chain')).map((e) => [e.type, e.streamRevision]), [['A', 0], ['B', 1], ['C', 2]]);
    const positions = results.map((r) => r.position!.prepare);
    t.ok(positions[0]! < positions[1]! && positions[1]! < positions[2]!, 'global positions follow the order of the call');
  });

  t.test('one failing expectation or id conflict stores nothing from any stream', async (t) => {
    const stale = await store.appendMany([
      { streamId: 'atomic-a', events: [newEvent()], expectedRevision: 'no_stream' },
      { streamId: 'chain', events: [newEvent()], expectedRevision: 0 },
    ]).catch((e: unknown) => e);
    t.type(stale, WrongExpectedRevision);
    t.same({ stream: (stale as WrongExpectedRevision).streamId, actual: (stale as WrongExpectedRevision).actual }, { stream: 'chain', actual: 2 });
    const [stored] = await store.readStream('chain', { limit: 1 });
    const conflict = await store.appendMany([
      { streamId: 'atomic-a', events: [newEvent()] },
      { streamId: 'atomic-b', events: [{ ...stored!, data: { changed: true } }] },
    ]).catch((e: unknown) => e);
    t.type(conflict, EventIdConflict);
    t.same(await store.readStream('atomic-a'), []);
    t.same(await store.readStream('atomic-b'), []);
  });

  t.test('joins a caller transaction: rolled back with it, retried on a savepoint', async (t) => {
    const event = newEvent('InTx');
    await db.transaction().execute(async (trx) => {
      const [result] = await appendToStreams(trx, [{ streamId: 'tx', events: [event] }]);
      t.equal(result!.revision, 0);
      await sql`select 1`.execute(trx);
      throw new Error('roll back');
    }).catch(() => undefined);
    t.same(await store.readStream('tx'), [], 'nothing survives the rollback');
    await db.transaction().execute(async (trx) => {
      await appendToStreams(trx, [{ streamId: 'tx', events: [event] }]);
      const again = await appendToStreams(trx, [{ streamId: 'tx', events: [event, newEvent('More')] }]);
      t.same([again[0]!.appended, again[0]!.alreadyStored], [1, [event.id]], 'sees its own uncommitted events');
      const error = await appendToStreams(trx, [{ streamId: 'tx', events: [newEvent()], expectedRevision: 0 }]).catch((e: unknown) => e);
      t.type(error, WrongExpectedRevision, 'a failed append leaves the transaction usable');
    });
    t.same((await store.readStream('tx')).map((e) => e.type), ['InTx', 'More']);
  });

  t.test('validation walks nested values: dates serialise, cycles and NUL keys are rejected', async (t) => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    t.rejects(store.append('bad', [newEvent('A', cyclic)]), { code: 'EVENTSTORE.INVALID_EVENT' });
    t.rejects(store.append('bad', [newEvent('A', { ['a\u0000']: 1 })]), { code: 'EVENTSTORE.INVALID_EVENT' });
    await store.append('dates', [newEvent('A', { at: new Date('2026-11-23T00:00:00Z'), list: [1, 'two', null, { ok: true }] })]);
    t.same((await store.readStream('dates'))[0]!.data, { at: '2026-11-23T00:00:00.000Z', list: [1, 'two', null, { ok: true }] });
  });
});
