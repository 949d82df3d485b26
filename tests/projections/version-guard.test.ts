import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import type { Db } from '../../platform/database.ts';
import { loadCheckpoint } from '../../projections/checkpoints.ts';
import { rebuildProjector } from '../../projections/rebuild.ts';
import { catchUp, projectBatch, runProjectors } from '../../projections/runner.ts';
import { runProjections } from '../../projections/startup.ts';
import { createSubscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { ModelNewerThanCode } from '../../projections/types.ts';
import { testDatabase } from '../support/database.ts';
import { address, at } from '../support/subscription-events.ts';
import { bill, bills, capturingLogger } from '../support/projection-runs.ts';

t.setTimeout(60_000);

const creator = address('carol');
const v1 = createSubscriptionsProjector({ version: 1 });
const v2 = createSubscriptionsProjector({ version: 2 });

/** A v1 model swapped for v2 by a rebuild, then one more event: what an old process meets mid-deploy. */
async function swappedToV2(t: Test, db: Db): Promise<void> {
  await bill(db, 'w1', 1);
  await catchUp(db, v1);
  t.match(await rebuildProjector(db, v2), { swapped: true });
  await bill(db, 'w2', 2);
}

t.test('old code on a newer model: the batch stops with ModelNewerThanCode, applies nothing, leaves the checkpoint alone', async (t) => {
  const { db } = await testDatabase(t);
  await swappedToV2(t, db);
  const before = (await loadCheckpoint(db, 'subscriptions'))!;
  await t.rejects(projectBatch(db, v1, 100), ModelNewerThanCode);
  await t.rejects(projectBatch(db, v1, 100), /model is newer than this code: upgrade this process/);
  const after = (await loadCheckpoint(db, 'subscriptions'))!;
  t.same(after, before, 'same version, position, state and no error: the model is fine');
  t.equal(after.state, 'live');
  t.equal(await bills(db), '1', 'v1 code wrote nothing into the v2 tables');
  t.equal((await catchUp(db, v2)).applied, 1, 'the new code follows on');
  t.equal(await bills(db), '2');
});

t.test('the runner loop of an old process stops on a newer model without retrying, and logs why', async (t) => {
  const { db } = await testDatabase(t);
  await swappedToV2(t, db);
  const before = (await loadCheckpoint(db, 'subscriptions'))!;
  const { logger, lines } = capturingLogger<{ projector?: string }>();
  const controller = new AbortController();
  const running = runProjectors(db, [v1], { batchSize: 100, pollIntervalMs: 10, signal: controller.signal, logger });
  await sleep(1_000);
  await bill(db, 'w3', 3);
  await sleep(500);
  controller.abort();
  await running;
  const stops = lines.filter((l) => /model is newer than this code: upgrade this process/.test(l.msg));
  t.equal(stops.length, 1, 'logged once: never retried');
  t.equal(stops[0]?.level, 50, 'at error level');
  t.notOk(lines.some((l) => /retrying/.test(l.msg)), 'not treated as a transient error');
  t.same(await loadCheckpoint(db, 'subscriptions'), before, 'the checkpoint is neither moved nor marked failed');
  t.equal(await bills(db), '1');
});

t.test('new code on an older model keeps following it (stale, not stopped)', async (t) => {
  const { db } = await testDatabase(t);
  await bill(db, 'w1', 1);
  await catchUp(db, v1);
  await bill(db, 'w2', 2);
  t.equal((await projectBatch(db, v2, 100)).applied, 1);
  const checkpoint = (await loadCheckpoint(db, 'subscriptions'))!;
  t.same([checkpoint.version, checkpoint.state], [1, 'live'], 'still the v1 model, following');
  t.equal(await bills(db), '2');
});

t.test('an old process with PROJECTIONS_AUTO_REBUILD never rebuilds a newer model down to its version', async (t) => {
  const { db } = await testDatabase(t);
  await swappedToV2(t, db);
  const { logger, lines } = capturingLogger<{ projector?: string }>();
  const controller = new AbortController();
  const running = runProjections(db, [v1], { batchSize: 100, pollIntervalMs: 10, signal: controller.signal, logger, autoRebuild: true });
  await sleep(1_000);
  controller.abort();
  await running;
  t.equal((await loadCheckpoint(db, 'subscriptions'))?.version, 2, 'still the v2 model');
  t.equal(await loadCheckpoint(db, 'subscriptions:rebuild'), undefined, 'no rebuild started');
  t.ok(lines.some((l) => l.level === 40 && /newer than this code/.test(l.msg)), 'start-up warns that this process is out of date');
});
