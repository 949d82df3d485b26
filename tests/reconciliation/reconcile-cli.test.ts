import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import t from 'tap';
import { runReconciliationSchedule } from '../../reconciliation/schedule.ts';
import { loginRoleUrl } from '../support/login-roles.ts';
import { consistentBooks, corrupt } from './books.ts';

const cli = new URL('../../bin/substream.ts', import.meta.url).pathname;

t.test('substream reconcile: exit 0 on clean books, 5 with a discrepancy, the run stored', async (t) => {
  const books = await consistentBooks(t);
  const env = { ...process.env, DATABASE_URL: await loginRoleUrl('substream_api', books.database.url), LOG_LEVEL: 'silent', JWT_SECRET: 'reconcile-cli-test-secret-at-least-32-chars' };
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'reconcile', ...args], { encoding: 'utf8', env });

  const clean = run();
  t.equal(clean.status, 0, clean.stderr);
  t.match(clean.stdout, new RegExp(`^${books.creator}: run [0-9a-f-]{36} 0 discrepancies\\n$`));

  await corrupt(books.database.db, sql`update subscriptions set total_billed = 0 where subscriber = ${books.subscribers[0]}`);
  const found = run('--tenant', books.creator, '--json');
  t.equal(found.status, 5, found.stderr);
  const { runs } = JSON.parse(found.stdout) as { runs: { runId: string; discrepancies: number; report: { discrepancies: { difference: string }[] } }[] };
  t.equal(runs.length, 1);
  t.equal(runs[0]?.discrepancies, 1);
  const stored = await sql<{ trigger: string; discrepancies: number }>`select trigger, discrepancies from reconciliation_runs where id = ${runs[0]!.runId}`.execute(books.database.db);
  t.same(stored.rows, [{ trigger: 'cli', discrepancies: 1 }]);
  const events = await sql<{ n: number }>`select count(*)::int as n from events where type = 'ReconciliationDiscrepancyFound' and stream_id = ${`reconciliation-${runs[0]!.runId}`}`.execute(books.database.db);
  t.equal(events.rows[0]?.n, 1, 'the discrepancy is in the log');

  for (const args of [['--from', '2026-13-01'], ['--to', '2026-02-30'], ['--from', '2026-12-02', '--to', '2026-12-01'], ['extra']]) {
    const bad = run(...args);
    t.equal(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
  }
});

t.test('the daily job reconciles every tenant once a period, until aborted', async (t) => {
  const books = await consistentBooks(t);
  const controller = new AbortController();
  const job = runReconciliationSchedule({ db: books.apiDb, eventStore: books.eventStore }, { everyMs: 100, signal: controller.signal });
  const count = async () => (await sql<{ n: number }>`select count(*)::int as n from reconciliation_runs where trigger = 'schedule' and status = 'finished'`.execute(books.database.db)).rows[0]!.n;
  for (let i = 0; i < 100 && (await count()) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  controller.abort();
  await job;
  t.ok((await count()) >= 2, 'a run each period');
  const after = await count();
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(await count(), after, 'none after the abort');
});
