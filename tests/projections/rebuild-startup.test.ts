import t from 'tap';
import { sql } from 'kysely';
import type { Db } from '../../platform/database.ts';
import { loadCheckpoint } from '../../projections/checkpoints.ts';
import { catchUp } from '../../projections/runner.ts';
import { runProjections, staleProjectors } from '../../projections/startup.ts';
import { createSubscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { testDatabase } from '../support/database.ts';
import { address, at } from '../support/subscription-events.ts';
import { bill, bills, capturingLogger, eventually } from '../support/projection-runs.ts';

t.setTimeout(60_000);

const creator = address('carol');
const old = createSubscriptionsProjector({ version: 7 });
const bumped = createSubscriptionsProjector({ version: 8 });

async function run(t: { teardown(fn: () => unknown): void }, db: Db, autoRebuild: boolean, body: () => Promise<void>) {
  const { logger, lines } = capturingLogger<{ stale?: string[] }>();
  const controller = new AbortController();
  const running = runProjections(db, [bumped], { batchSize: 100, pollIntervalMs: 10, signal: controller.signal, logger, autoRebuild });
  t.teardown(() => controller.abort());
  try {
    await body();
  } finally {
    controller.abort();
    await running;
  }
  return lines;
}

t.test('a fresh database starts at the code version: nothing is stale', async (t) => {
  const { db } = await testDatabase(t);
  await bill(db, 'alice', 1);
  t.same(await staleProjectors(db, [bumped]), []);
  const lines = await run(t, db, false, async () => {
    t.ok(await eventually(async () => (await bills(db)) === '1'), 'the event is projected');
  });
  t.match(await loadCheckpoint(db, 'subscriptions'), { version: 8, state: 'live' });
  t.notOk(lines.some((l) => l.level === 40), 'no warning');
});

t.test('version bump without PROJECTIONS_AUTO_REBUILD: a warning names it, the old model keeps serving and following', async (t) => {
  const { db } = await testDatabase(t);
  await bill(db, 'alice', 1);
  await catchUp(db, old);
  t.same((await staleProjectors(db, [bumped])).map((p) => p.name), ['subscriptions']);
  const lines = await run(t, db, false, async () => {
    await bill(db, 'bob', 2);
    t.ok(await eventually(async () => (await bills(db)) === '2'), 'a new event is still projected into the old model');
  });
  const warning = lines.find((l) => l.level === 40);
  t.same(warning?.stale, ['subscriptions'], 'the warning names the stale projector');
  t.match(warning?.msg, /npx substream projections rebuild <name>.*PROJECTIONS_AUTO_REBUILD=true/);
  t.match(await loadCheckpoint(db, 'subscriptions'), { version: 7 }, 'the stored version is still the old one');
  t.equal(await loadCheckpoint(db, 'subscriptions:rebuild'), undefined, 'no rebuild was started');
});

t.test('version bump with PROJECTIONS_AUTO_REBUILD: rebuilt aside and swapped in while following', async (t) => {
  const { db } = await testDatabase(t);
  for (let i = 0; i < 300; i++) await bill(db, `w${i % 30}`, i);
  await catchUp(db, old);
  await run(t, db, true, async () => {
    await bill(db, 'late', 999);
    t.ok(await eventually(async () => (await loadCheckpoint(db, 'subscriptions'))?.version === 8), 'the live checkpoint reaches the code version');
    await bill(db, 'after-swap', 1_000);
    t.ok(await eventually(async () => (await bills(db)) === '302'), 'events after the swap are followed');
  });
  t.match(await loadCheckpoint(db, 'subscriptions'), { version: 8, state: 'live', eventsProcessed: 302 });
  t.equal(await loadCheckpoint(db, 'subscriptions:rebuild'), undefined);
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_class where relname ~ '^subscriptions__'`.execute(db);
  t.equal(rows[0]!.n, 0, 'no __next or __old table is left');
});
