import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { sql } from 'kysely';
import { pino } from 'pino';
import { loadCheckpoint } from '../../projections/checkpoints.ts';
import { rebuildProjector } from '../../projections/rebuild.ts';
import { catchUp } from '../../projections/runner.ts';
import { runProjections } from '../../projections/startup.ts';
import { projectionStatus } from '../../projections/status.ts';
import { createSubscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { ProjectionError, type Projector } from '../../projections/types.ts';
import { testDatabase } from '../support/database.ts';
import { address, at } from '../support/subscription-events.ts';
import { bill, eventually } from '../support/projection-runs.ts';

t.setTimeout(60_000);

const creator = address('carol');

/** Code that cannot fold a model holding a row the old code wrote wrongly (`bills_count < 0`), but builds a fresh one fine. */
function picky(base: Projector, table = 'subscriptions'): Projector {
  return {
    ...base,
    async apply(trx, events) {
      const { rows } = await sql`select 1 from ${sql.table(table)} where bills_count < 0 limit 1`.execute(trx);
      if (rows.length > 0) throw new ProjectionError(base.name, events[0]!, new Error('a row of the old model'));
      await base.apply(trx, events);
    },
    withTables: (tables, name) => picky(base.withTables(tables, name), tables[table] ?? table),
  };
}

t.test('a loop stopped on a failed event follows again once another process swaps a rebuilt model in', async (t) => {
  const { db } = await testDatabase(t);
  await bill(db, 'w1', 1);
  await catchUp(db, createSubscriptionsProjector({ version: 1 }));
  await sql`update subscriptions set bills_count = -1`.execute(db); // what the old code got wrong
  const code = picky(createSubscriptionsProjector({ version: 2 }));

  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const controller = new AbortController();
  const serving = runProjections(db, [code], { batchSize: 100, pollIntervalMs: 20, signal: controller.signal, logger, autoRebuild: false });
  t.teardown(() => controller.abort());

  await bill(db, 'w2', 2);
  t.ok(await eventually(async () => (await loadCheckpoint(db, 'subscriptions'))?.state === 'failed'), 'the live projector stops on the event');
  const failed = (await loadCheckpoint(db, 'subscriptions'))!;
  await sleep(500);
  t.same(await loadCheckpoint(db, 'subscriptions'), failed, 'while nothing changes it stays stopped at the event');
  t.equal(lines.filter((l) => /halted at an event it cannot apply/.test(l.msg)).length, 1, 'it does not retry the event meanwhile');

  t.match(await rebuildProjector(db, code, { batchSize: 100 }), { swapped: true }, 'the CLI, as another process, rebuilds and swaps');
  await bill(db, 'w3', 3);
  const followed = await eventually(async () => {
    const status = (await projectionStatus(db)).find((s) => s.name === 'subscriptions')!;
    return status.state === 'live' && status.lagEvents === 0;
  });
  t.ok(followed, 'the serve loop follows the swapped model to the end of the log');
  const { rows } = await sql<{ n: string }>`select sum(bills_count)::text as n from subscriptions`.execute(db);
  t.equal(rows[0]!.n, '3', 'every bill is in the model, the one after the swap too');
  t.ok(lines.some((l) => /checkpoint moved: projector follows again/.test(l.msg)), 'the resume is logged');
  controller.abort();
  await serving;
});
