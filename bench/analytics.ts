import os from 'node:os';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { heatmapProjector } from '../projections/analytics/heatmap-projector.ts';
import { catchUp } from '../projections/runner.ts';
import { randomAccount, testApp } from '../tests/support/app.ts';

const SECONDS = Number(process.env.BENCH_ANALYTICS_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_ANALYTICS_CONNECTIONS ?? 16);
const BATCH = 500;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * View-event ingest through the real HTTP route: a listening API on a fresh database, autocannon
 * POSTing batches of 500 view events (20 content items) over 16 connections for 10 s. Target
 * ≥ 50k view events/s. Then the heatmap projector's catch-up over what was stored (batches of 2,000 events, as `substream project`).
 */
export async function run(): Promise<void> {
  const teardowns: (() => unknown)[] = [];
  const { app, database, token } = await testApp({ teardown: (fn) => teardowns.push(fn) }, { RATE_LIMIT_PER_MINUTE: '100000000' });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const creator = randomAccount();
    const start = Date.UTC(2026, 10, 2);
    const events = Array.from({ length: BATCH }, (_, i) => ({
      contentId: `episode-${i % 20}`,
      viewer: `viewer-${i}`,
      positionSeconds: (i * 13) % 3_600,
      watchedSeconds: 5,
      at: new Date(start + i * 1000).toISOString(),
    }));
    const auth = await token(creator, creator);
    console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      autocannon({
        url: `http://127.0.0.1:${port}/v1/analytics/view-events`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
        body: JSON.stringify({ events }),
        connections: CONNECTIONS,
        duration: SECONDS,
      }, (error, res) => (error ? reject(error) : resolve(res)));
    });
    const accepted = result.statusCodeStats['202']?.count ?? 0;
    const viewEvents = accepted * BATCH;
    const perSecond = viewEvents / (result.duration || SECONDS);
    console.log(`ingest (HTTP, batches of ${BATCH}, ${CONNECTIONS} connections): ${fmt(perSecond).padStart(10)} view events/s` +
      `  (${fmt(accepted)} requests 202, ${result.non2xx} non-2xx, ${result.errors} errors; latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms)`);
    console.log(`target ≥ 50,000 view events/s: ${perSecond >= 50_000 ? 'met' : 'NOT met'}`);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from events where type = 'ViewEventsRecorded'`.execute(database.db);
    console.log(`stored: ${fmt(rows[0]!.n)} ViewEventsRecorded events (one per content per request, ${fmt(accepted)} appends)`);

    const began = performance.now();
    const projected = await catchUp(database.db, heatmapProjector, { batchSize: 2_000 });
    const ms = performance.now() - began;
    console.log(`heatmap catch-up: ${fmt((viewEvents / ms) * 1000)} view events/s (${fmt(projected.applied)} events in ${(ms / 1000).toFixed(2)} s)`);
  } finally {
    for (const fn of teardowns.reverse()) await fn();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
