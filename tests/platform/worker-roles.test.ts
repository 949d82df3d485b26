import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Networks } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import { BENCH_SUBSTREAM, BENCH_TOKENS, generateArchive } from '../../bench/generate-archive.ts';
import { registerCreator } from '../../commands/register-creator.ts';
import { requestSubscription } from '../../commands/request-subscription.ts';
import { setTiers } from '../../commands/set-tiers.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { readCheckpoint, replayJob } from '../../indexer/checkpoints.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { createEventsArchiveSource } from '../../indexer/sources/events-archive.ts';
import { createDb, type Db } from '../../platform/database.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { sweepOnce } from '../../projections/subscriptions/expiry-sweeper.ts';
import { account, context, contract } from '../commands/fixtures.ts';
import { testDatabase } from '../support/database.ts';
import { loginRoleUrl, type GroupRole } from '../support/login-roles.ts';

// The workers as deployed: each logs in as a role whose only membership is its group, and does
// its whole job with that group's grants; what belongs to other roles stays out of its reach.

async function loginDb(t: { teardown(fn: () => unknown): void }, group: GroupRole, url: string): Promise<Db> {
  const db = createDb({ url: await loginRoleUrl(group, url), max: 2 });
  t.teardown(() => db.destroy());
  return db;
}

const count = async (db: Db, table: string) => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)).rows[0]!.n;

t.test('projectors and the expiry sweeper run as a login role in substream_projector', async (t) => {
  const { db: owner, url } = await testDatabase(t);
  const ownerStore = createPostgresEventStore(owner);
  const creator = account();
  const token = contract();
  await registerCreator({ store: ownerStore }, { displayName: 'Cy' }, context(creator));
  await setTiers({ store: ownerStore }, { tiers: [{ name: 'gold', token, price: { kind: 'rate', ratePerSecond: '5' } }] }, context(creator));
  const deps = { store: ownerStore, contractId: contract(), pendingTtlSeconds: 1 };
  await requestSubscription(deps, { creator, tier: 'gold' }, context(account(), '2026-03-01T10:00:00.000Z'));

  const projector = await loginDb(t, 'substream_projector', url);
  for (const p of allProjectors) await catchUp(projector, p);
  t.equal(await count(owner, 'creators'), 1, 'the creator projected');
  t.equal(await count(owner, 'subscriptions'), 1, 'the pending subscription projected');
  const { rows: checkpoints } = await sql<{ name: string; state: string }>`select name, state from projection_checkpoints order by name`.execute(owner);
  t.same(checkpoints.map((c) => c.name).sort(), allProjectors.map((p) => p.name).sort(), 'every projector checkpointed');
  t.notOk(checkpoints.some((c) => c.state === 'failed'), 'none failed');

  const swept = await sweepOnce(projector, createPostgresEventStore(projector), { now: () => '2026-03-02T00:00:00.000Z' });
  t.equal(swept.expired, 1, `the sweeper appends the expiry as the projector role: ${JSON.stringify(swept)}`);

  for (const table of ['idempotency_keys', 'api_keys', 'sep10_challenges', 'indexer_checkpoints']) {
    await t.rejects(sql`select * from ${sql.table(table)}`.execute(projector), /permission denied/, `${table} is out of its reach`);
  }
  await t.rejects(sql`insert into subscriptions (tenant_id, subscription_id, subscriber, creator, status, updated_at)
    values ('x', 'x', 'x', 'x', 'active', now())`.execute(projector), /row-level security/, 'outside a projector transaction it writes no read model');
});

t.test('the indexer runs as a login role in substream_indexer', async (t) => {
  const { db: owner, url } = await testDatabase(t);
  const indexer = await loginDb(t, 'substream_indexer', url);
  const file = join(await mkdtemp(join(tmpdir(), 'substream-roles-')), 'events.ndjson');
  const range = await generateArchive({ file, events: 200, eventsPerLedger: 20 });
  const job = replayJob('archive', range.from, range.to);
  const contracts = parseContracts(`${BENCH_SUBSTREAM}=substream-v1,${BENCH_TOKENS.map((c) => `${c}=sep41`).join(',')}`);
  const stats = await runIndexer(indexer, { job, source: createEventsArchiveSource({ file, batchEvents: 50 }), from: range.from, to: range.to, decode: { passphrase: Networks.TESTNET, contracts } });
  t.ok(stats.appended > 0, `appended ${stats.appended} facts`);
  t.equal(await count(owner, 'events'), stats.appended);
  t.match(await readCheckpoint(owner, job), { lastLedger: range.to }, 'checkpoint advanced');
  for (const table of ['subscriptions', 'idempotency_keys', 'api_keys', 'projection_checkpoints']) {
    await t.rejects(sql`select * from ${sql.table(table)}`.execute(indexer), /permission denied/, `${table} is out of its reach`);
  }
});
