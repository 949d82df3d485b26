import t from 'tap';
import { ensureCheckpoint, failCheckpoint, loadCheckpoint } from '../../projections/checkpoints.ts';
import { cloneTable } from '../../projections/clone-table.ts';
import { rebuildProjector } from '../../projections/rebuild.ts';
import { catchUp, projectBatch } from '../../projections/runner.ts';
import { projectionStatus } from '../../projections/status.ts';
import { createSubscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { testDatabase } from '../support/database.ts';
import { address } from '../support/subscription-events.ts';
import { bill } from '../support/projection-runs.ts';

const creator = address('carol');
const projector = createSubscriptionsProjector({ version: 1 });

t.test('a rebuild checkpoint stays rebuilding when caught up: only the swap makes a model live', async (t) => {
  const { db } = await testDatabase(t);
  await bill(db, 'w1', 1);
  const rebuild = projector.withTables({ subscriptions: 'subscriptions__next' }, 'subscriptions:rebuild');
  await cloneTable(db, 'subscriptions', 'subscriptions__next');
  await ensureCheckpoint(db, rebuild.name, rebuild.version);
  const step = await projectBatch(db, rebuild, 100);
  t.same([step.applied, step.caughtUp], [1, true]);
  t.equal((await loadCheckpoint(db, rebuild.name))?.state, 'rebuilding');
  t.equal((await projectionStatus(db)).find((s) => s.rebuildOf === 'subscriptions')?.state, 'rebuilding', 'status does not show it live');
  t.equal((await projectBatch(db, rebuild, 100)).read, 0);
  t.equal((await loadCheckpoint(db, rebuild.name))?.state, 'rebuilding', 'an empty batch keeps it rebuilding too');
});

t.test('a failure recorded after a swap replaced the model leaves the swapped model alone', async (t) => {
  const { db } = await testDatabase(t);
  await bill(db, 'w1', 1);
  await catchUp(db, projector);
  const loaded = (await loadCheckpoint(db, 'subscriptions'))!; // what the failing batch started from
  await bill(db, 'w2', 2);
  t.match(await rebuildProjector(db, createSubscriptionsProjector({ version: 2 })), { swapped: true }, 'another process swaps v2 in');
  await failCheckpoint(db, 'subscriptions', 'the old batch failed', loaded);
  const after = (await loadCheckpoint(db, 'subscriptions'))!;
  t.same([after.state, after.version, after.lastError], ['live', 2, null], 'the swapped model is not marked failed');

  await failCheckpoint(db, 'subscriptions', 'this batch failed', after);
  t.same((await loadCheckpoint(db, 'subscriptions'))?.state, 'failed', 'a failure of the checkpoint as loaded is recorded');
});
