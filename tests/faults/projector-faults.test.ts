import { sql } from 'kysely';
import t from 'tap';
import { loadCheckpoint } from '../../projections/checkpoints.ts';
import { creatorsProjector } from '../../projections/creators/projector.ts';
import { catchUp, runProjectors } from '../../projections/runner.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { createDb, type Db } from '../../platform/database.ts';
import { appendBacklog } from '../support/backlog.ts';
import { TEST_SERVER_URL, testDatabase } from '../support/database.ts';
import { faultProxy } from '../support/fault-proxy.ts';
import { eventually } from '../support/projection-runs.ts';

/** FAULT_ROUNDS (default 1) multiplies the backlog and the cuts. */
const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 1);
const EVENTS = 3_000 * ROUNDS;
const projectors = [creatorsProjector, subscriptionsProjector];

/** A table's rows as sorted JSON, without `updated_at` (the projector's wall clock at apply time). */
async function rows(db: Db, table: 'creators' | 'subscriptions'): Promise<string[]> {
  const { rows } = await sql<{ row: string }>`select (to_jsonb(t) - 'updated_at')::text as row from ${sql.table(table)} t`.execute(db);
  return rows.map((r) => r.row).sort();
}

t.test('projectors survive connection cuts mid-batch and resume from their checkpoint to the same read models as a run without faults', async (t) => {
  const [faulted, reference] = [await testDatabase(t), await testDatabase(t)];
  for (const { db } of [faulted, reference]) await appendBacklog(db, { count: EVENTS, concurrency: 1 });
  for (const projector of projectors) await catchUp(reference.db, projector, { batchSize: 500 });

  const server = new URL(TEST_SERVER_URL);
  const proxy = await faultProxy(t, { host: server.hostname, port: Number(server.port || 5432) });
  const db = createDb({ url: proxy.through(faulted.url), max: 4, connectTimeoutMs: 300, statementTimeoutMs: 2_000 });
  t.teardown(() => db.destroy());
  const controller = new AbortController();
  const running = runProjectors(db, projectors, { batchSize: 200, signal: controller.signal, pollIntervalMs: 20 });
  for (let round = 0; round < 3 * ROUNDS; round++) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    proxy.cutMidQuery(2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    proxy.cutAll();
  }
  // Positions differ between the two databases (transaction ids); the number of events processed does not.
  const processed = async (on: Db) => Promise.all(projectors.map(async (p) => (await loadCheckpoint(on, p.name))?.eventsProcessed));
  const want = await processed(reference.db);
  const caughtUp = await eventually(async () => JSON.stringify(await processed(faulted.db)) === JSON.stringify(want), 30_000);
  controller.abort();
  await running;
  t.ok(proxy.stats().cutMidQuery > 0, `${proxy.stats().cutMidQuery} queries cut in flight, ${proxy.stats().accepted} connections`);
  t.ok(caughtUp, 'every projector reached the head of the log despite the cuts');
  for (const table of ['creators', 'subscriptions'] as const) {
    const [got, want] = [await rows(faulted.db, table), await rows(reference.db, table)];
    t.ok(want.length > 0, `${table}: ${want.length} rows`);
    t.same(got, want, `${table}: the same rows as without faults`);
  }
});
