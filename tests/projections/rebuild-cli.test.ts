import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { sql } from 'kysely';
import type { Db } from '../../platform/database.ts';
import { loadCheckpoint } from '../../projections/checkpoints.ts';
import { creatorsProjector } from '../../projections/creators/projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { substream } from '../indexer/cli.ts';
import { testApp } from '../support/app.ts';
import { appendBacklog } from '../support/backlog.ts';
import { testDatabase } from '../support/database.ts';
import { modelDiff, snapshotTable } from '../support/model-diff.ts';

t.setTimeout(120_000);

async function tables(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select relname as name from pg_class where relname ~ '^subscriptions__' and relkind = 'r' order by 1`.execute(db);
  return rows.map((r) => r.name);
}

t.test('SIGKILL during `projections rebuild`, re-run: it resumes and the model equals the live one row for row; status and /ready meanwhile', async (t) => {
  const database = await testDatabase(t);
  const { db, url } = database;
  const backlog = await appendBacklog(db, { count: 12_000, creators: 20, wallets: 1_000 });
  await catchUp(db, subscriptionsProjector, { batchSize: 5_000 });
  await catchUp(db, creatorsProjector, { batchSize: 5_000 });
  await snapshotTable(db, 'subscriptions', 'snapshot_subscriptions');
  const env = { DATABASE_URL: url, LOG_LEVEL: 'info' };
  const args = ['projections', 'rebuild', 'subscriptions', '--batch-size', '200'];

  const deadline = Date.now() + 40_000;
  const killed = await substream(args, env, (child) => {
    void (async () => {
      while (child.exitCode === null && Date.now() < deadline) {
        const processed = (await loadCheckpoint(db, 'subscriptions:rebuild'))?.eventsProcessed ?? 0;
        if (processed >= backlog.subscriptionEvents * 0.2) break;
        await sleep(20);
      }
      child.kill('SIGKILL');
    })();
  });
  t.equal(killed.signal, 'SIGKILL', 'killed mid-way');
  const atKill = (await loadCheckpoint(db, 'subscriptions:rebuild'))!;
  t.ok(atKill.eventsProcessed > 0 && atKill.eventsProcessed < backlog.subscriptionEvents, `rebuild checkpoint at ${atKill.eventsProcessed}/${backlog.subscriptionEvents}`);
  t.same(await tables(db), ['subscriptions__next'], 'the __next table stays for the resume');
  t.match(await loadCheckpoint(db, 'subscriptions'), { version: subscriptionsProjector.version, state: 'live' }, 'the live projector is untouched');

  const status = await substream(['projections', 'status', '--json'], { DATABASE_URL: url });
  t.equal(status.code, 0, `status exits 0 ${status.stderr}`);
  const subscriptions = JSON.parse(status.stdout).projectors.find((p: { name: string }) => p.name === 'subscriptions');
  t.match(subscriptions, {
    codeVersion: subscriptionsProjector.version, storedVersion: subscriptionsProjector.version, stale: false, state: 'rebuilding',
    lagEvents: 0, lagSeconds: 0, lastError: null, eventsProcessed: backlog.subscriptionEvents,
    rebuild: { version: subscriptionsProjector.version, eventsProcessed: atKill.eventsProcessed, lastError: null },
  });
  t.ok(subscriptions.rebuild.lagEvents > 100, `the rebuild lags ${subscriptions.rebuild.lagEvents} events`);

  const { app } = await testApp(t, { READY_MAX_LAG_EVENTS: '100' }, { database });
  const ready = await app.inject({ method: 'GET', url: '/ready' });
  t.equal(ready.statusCode, 200, 'a rebuild that is behind does not make the instance unready');
  t.ok(ready.json().projections.some((p: { name: string; lagEvents: number }) => p.name === 'subscriptions:rebuild' && p.lagEvents > 100), 'it is listed');

  const resumed = await substream(args, env);
  t.equal(resumed.code, 0, resumed.code === 0 ? 'the re-run exits 0' : resumed.stderr.slice(-2_000));
  t.match(resumed.stderr, /"msg":"rebuild resumed"/, 'the re-run resumed');
  t.match(resumed.stderr, /rebuild subscriptions: \d+\/\d+ events \(100\.0%\), \d+ applied, \d+k? events\/s, ETA/, 'plain progress lines off a TTY');
  t.match(resumed.stderr, /"msg":"rebuild swapped in"/);
  const diff = await modelDiff(db, 'subscriptions', 'snapshot_subscriptions');
  t.same(diff, { rows: diff.rows, missing: 0, extra: 0 }, `subscriptions (${diff.rows} rows) equals the live model before the rebuild`);
  t.ok(diff.rows > 0);
  t.same(await tables(db), [], 'no __next or __old table is left');
  t.equal(await loadCheckpoint(db, 'subscriptions:rebuild'), undefined);
  t.match(await loadCheckpoint(db, 'subscriptions'), { state: 'live', eventsProcessed: backlog.subscriptionEvents });
});
