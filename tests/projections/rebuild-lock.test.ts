import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { loadCheckpoint } from '../../projections/checkpoints.ts';
import { RebuildInProgress } from '../../projections/rebuild-lock.ts';
import { rebuildProjector } from '../../projections/rebuild.ts';
import { catchUp } from '../../projections/runner.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import type { Projector } from '../../projections/types.ts';
import { substream } from '../indexer/cli.ts';
import { appendBacklog } from '../support/backlog.ts';
import { testDatabase } from '../support/database.ts';
import { modelDiff, snapshotTable } from '../support/model-diff.ts';

t.setTimeout(120_000);

t.test('in one process: a second rebuild of the same projector is refused before it touches anything; after the first, a third runs', async (t) => {
  const { db } = await testDatabase(t);
  await appendBacklog(db, { count: 2_000, creators: 5, wallets: 200 });
  await catchUp(db, subscriptionsProjector, { batchSize: 5_000 });

  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const applying = new Promise<void>((resolve) => (entered = resolve));
  // The first rebuild's first batch waits inside `apply` until the second rebuild has been refused.
  const waiting: Projector = {
    ...subscriptionsProjector,
    withTables(tables, name) {
      const rebuild = subscriptionsProjector.withTables(tables, name);
      return { ...rebuild, async apply(trx, events) {
        entered();
        await held;
        await rebuild.apply(trx, events);
      } };
    },
  };
  const first = rebuildProjector(db, waiting, { batchSize: 500 });
  await applying;
  const before = await loadCheckpoint(db, 'subscriptions:rebuild');
  const second = await rebuildProjector(db, subscriptionsProjector, { batchSize: 500 }).then(() => null, (error: unknown) => error);
  t.ok(second instanceof RebuildInProgress, `the second rebuild throws RebuildInProgress (${String(second)})`);
  t.match((second as Error).message, /a rebuild of subscriptions is already running/);
  t.same(await loadCheckpoint(db, 'subscriptions:rebuild'), before, "the first rebuild's checkpoint is untouched");
  release();
  t.match(await first, { swapped: true }, 'the first rebuild swaps in');
  t.match(await rebuildProjector(db, subscriptionsProjector, { batchSize: 500 }), { swapped: true, resumed: false }, 'the lock was released: a third rebuild runs');
});

t.test('CLI: a second `projections rebuild` exits 4 at once; a SIGKILLed rebuild loses its lock and resumes right away', async (t) => {
  const database = await testDatabase(t);
  const { db, url } = database;
  const backlog = await appendBacklog(db, { count: 6_000, creators: 10, wallets: 500 });
  await catchUp(db, subscriptionsProjector, { batchSize: 5_000 });
  await snapshotTable(db, 'subscriptions', 'snapshot_subscriptions');
  const env = { DATABASE_URL: url };
  const args = ['projections', 'rebuild', 'subscriptions', '--batch-size', '100'];

  // The first rebuild is frozen (SIGSTOP) once it has committed a batch: its sessions, and so its lock, stay open.
  let first!: ChildProcess;
  const firstExit = substream(args, env, (child) => (first = child));
  const deadline = Date.now() + 60_000;
  while (((await loadCheckpoint(db, 'subscriptions:rebuild'))?.eventsProcessed ?? 0) === 0) {
    if (Date.now() > deadline || first.exitCode !== null) throw new Error('the first rebuild never committed a batch');
    await sleep(10);
  }
  first.kill('SIGSTOP');
  // A COMMIT the process sent just before it stopped still lands: wait until the checkpoint holds still.
  let atStop = (await loadCheckpoint(db, 'subscriptions:rebuild'))!;
  for (;;) {
    await sleep(300);
    const now = (await loadCheckpoint(db, 'subscriptions:rebuild'))!;
    if (now.position.prepare === atStop.position.prepare && now.eventsProcessed === atStop.eventsProcessed) break;
    if (Date.now() > deadline) throw new Error('the stopped rebuild kept moving its checkpoint');
    atStop = now;
  }

  const started = Date.now();
  const second = await substream(args, env);
  const elapsed = Date.now() - started;
  t.equal(second.code, 4, `the second rebuild exits 4 (${second.stderr.slice(-500)})`);
  t.match(second.stderr, /a rebuild of subscriptions is already running \(another process holds its lock\)/, 'and says why');
  t.ok(elapsed < 20_000, `promptly: ${elapsed} ms including Node's start-up`);
  t.same(await loadCheckpoint(db, 'subscriptions:rebuild'), atStop, 'it touched nothing');

  first.kill('SIGKILL');
  t.equal((await firstExit).signal, 'SIGKILL');
  const resumed = await substream(args, { ...env, LOG_LEVEL: 'info' });
  t.equal(resumed.code, 0, resumed.code === 0 ? 'the re-run right after the SIGKILL exits 0' : resumed.stderr.slice(-2_000));
  t.match(resumed.stderr, /"msg":"rebuild resumed"/, 'and resumed the killed rebuild');
  const diff = await modelDiff(db, 'subscriptions', 'snapshot_subscriptions');
  t.same(diff, { rows: diff.rows, missing: 0, extra: 0 }, `the rebuilt model (${diff.rows} rows) equals the live one before it`);
  t.match(await loadCheckpoint(db, 'subscriptions'), { state: 'live', eventsProcessed: backlog.subscriptionEvents });
});
