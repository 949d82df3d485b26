import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { sql } from 'kysely';
import { loadCheckpoint } from '../../projections/checkpoints.ts';
import { createCreatorsProjector } from '../../projections/creators/projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { createSubscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { appendBacklog } from '../support/backlog.ts';
import { testDatabase } from '../support/database.ts';

// 50,000 events appended, projected twice and rebuilt: minutes on a loaded CI machine.
t.setTimeout(600_000);

const child = fileURLToPath(new URL('../support/project-child.ts', import.meta.url));

function startChild(url: string) {
  const proc = spawn(process.execPath, [child], { env: { ...process.env, DATABASE_URL: url, BATCH_SIZE: '500' }, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, exited };
}

t.test('SIGKILL mid-way, restart: the read model equals a clean rebuild row for row', async (t) => {
  const { db, url } = await testDatabase(t);
  const backlog = await appendBacklog(db, { count: 50_000 });
  t.equal(backlog.events, 50_000);

  const first = startChild(url);
  let processed = 0;
  for (;;) {
    processed = (await loadCheckpoint(db, 'subscriptions'))?.eventsProcessed ?? 0;
    if (processed >= backlog.subscriptionEvents * 0.2) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  first.proc.kill('SIGKILL');
  t.equal((await first.exited).signal, 'SIGKILL');
  const atKill = (await loadCheckpoint(db, 'subscriptions'))!;
  t.ok(atKill.eventsProcessed > 0 && atKill.eventsProcessed < backlog.subscriptionEvents, `killed mid-way at ${atKill.eventsProcessed}/${backlog.subscriptionEvents}`);
  t.not(atKill.state, 'live');

  const second = startChild(url);
  t.same(await second.exited, { code: 0, signal: null }, 'the restart runs to completion');
  const subs = (await loadCheckpoint(db, 'subscriptions'))!;
  const creators = (await loadCheckpoint(db, 'creators'))!;
  t.same([subs.state, subs.eventsProcessed], ['live', backlog.subscriptionEvents], 'every subscription event applied exactly once');
  t.same([creators.state, creators.eventsProcessed], ['live', backlog.creatorEvents]);

  await sql`create table subscriptions_rebuild (like subscriptions including all)`.execute(db);
  await sql`create table creators_rebuild (like creators including all)`.execute(db);
  await catchUp(db, createSubscriptionsProjector({ name: 'subscriptions-rebuild', table: 'subscriptions_rebuild' }), { batchSize: 10_000 });
  await catchUp(db, createCreatorsProjector({ name: 'creators-rebuild', table: 'creators_rebuild' }), { batchSize: 10_000 });

  for (const [model, rebuild] of [['subscriptions', 'subscriptions_rebuild'], ['creators', 'creators_rebuild']] as const) {
    const { rows } = await sql<{ rows: number; missing: number; extra: number }>`
      select (select count(*)::int from ${sql.table(model)}) as rows,
        (select count(*)::int from (select * from ${sql.table(rebuild)} except all select * from ${sql.table(model)}) x) as missing,
        (select count(*)::int from (select * from ${sql.table(model)} except all select * from ${sql.table(rebuild)}) x) as extra`.execute(db);
    t.ok(rows[0]!.rows > 0, `${model}: ${rows[0]!.rows} rows`);
    t.same({ missing: rows[0]!.missing, extra: rows[0]!.extra }, { missing: 0, extra: 0 }, `${model} equals its clean rebuild`);
  }
  const { rows } = await sql<{ billed: string }>`select sum(total_billed)::text as billed from subscriptions`.execute(db);
  t.equal(rows[0]!.billed, backlog.billed, 'billed total equals the sum of the generated amounts');
});
