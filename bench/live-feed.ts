import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import { subscriptionStreamId } from '../domain/subscription/events.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import { createDb } from '../platform/database.ts';
import { openLogSignal } from '../platform/log-signal.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { signToken } from '../platform/tokens.ts';
import { observeAppends } from '../eventstore/observe-appends.ts';
import { TEST_JWT_SECRET } from '../tests/support/app.ts';
import { address } from '../tests/support/subscription-events.ts';
import { admin, SERVER_URL } from './support/database.ts';
import { reply } from './support/ipc.ts';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLIENTS = Number(process.env.BENCH_LIVE_CLIENTS ?? 1_000);
const CLIENT_PROCESSES = Number(process.env.BENCH_LIVE_CLIENT_PROCESSES ?? 4);
const TENANTS = Number(process.env.BENCH_LIVE_TENANTS ?? 10);
const FACTS = Number(process.env.BENCH_LIVE_FACTS ?? 300);
const FACTS_PER_SECOND = Number(process.env.BENCH_LIVE_RATE ?? 50);
/** The first facts warm the JIT and connection pools; they are delivered but not measured. */
const WARMUP = 25;

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes of one machine. */
const clock = () => performance.timeOrigin + performance.now();

function forkChild(file: string, env: Record<string, string> = {}): ChildProcess {
  return fork(new URL(file, import.meta.url), { env: { ...process.env, ...env } });
}

/** The instances' cumulative `substream_live_delivery_seconds` buckets, summed: upper bound (s) → count. */
async function deliveryBuckets(ports: number[]): Promise<Map<number, number>> {
  const buckets = new Map<number, number>();
  for (const port of ports) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const [, le, n] of text.matchAll(/^substream_live_delivery_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) {
      const bound = le === '+Inf' ? Infinity : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + Number(n));
    }
  }
  return buckets;
}

/** The bucket bound under which a share `q` of the observations between two snapshots fell. */
function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number): string {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const count = (bound: number) => after.get(bound)! - (before.get(bound) ?? 0);
  const total = count(Infinity);
  if (!total) return 'n/a';
  const bound = bounds.find((b) => count(b) >= q * total) ?? Infinity;
  return bound === Infinity ? '> 5 s' : `≤ ${bound * 1000} ms`;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const summary = (values: number[]) => {
  const sorted = values.sort((a, b) => a - b);
  return `p50 ${quantile(sorted, 0.5).toFixed(1)} ms  p99 ${quantile(sorted, 0.99).toFixed(1)} ms  max ${sorted.at(-1)!.toFixed(1)} ms`;
};

/**
 * Live feed latency: two API instances (child processes) sharing one database and one Redis,
 * 1,000 WebSocket clients split between them over 10 tenants and held by 4 client processes (so
 * no single client event loop's backlog is measured as server latency); chain facts
 * (SubscriptionBilled) appended at 50/s round-robin over the tenants by this process, which
 * announces each commit on Redis as the indexer does. Latency = from just before the append to
 * the client process receiving the delta, on the machine's shared clock; "commit → message"
 * leaves out the append's own commit. Targets: p99 < 100 ms, peak RSS < 250 MB per instance.
 */
export async function run(): Promise<void> {
  const name = `substream_bench_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const prefix = `bench:${randomBytes(6).toString('hex')}:`;
  const db = createDb({ url: url.toString(), max: 4 });
  const signal = openLogSignal({ url: REDIS_URL, prefix });
  const instances: ChildProcess[] = [];
  const clients: ChildProcess[] = [];
  console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  try {
    await migrateToLatest(db);
    const env = { BENCH_INSTANCE_DATABASE_URL: url.toString(), BENCH_INSTANCE_REDIS_URL: REDIS_URL, BENCH_INSTANCE_REDIS_PREFIX: prefix };
    instances.push(forkChild('./live-feed-instance.ts', env), forkChild('./live-feed-instance.ts', env));
    const ports = await Promise.all(instances.map(async (child) => (await reply<{ port: number }>(child, 'port')).port));
    const rss = () => Promise.all(instances.map(async (child) => (await reply<{ peakRss: number }>(child, 'peakRss', 'rss')).peakRss));
    const idle = await rss();
    const tenants = Array.from({ length: TENANTS }, (_, i) => address(`bench-live-${i}-${randomUUID()}`));
    const tokens = await Promise.all(tenants.map((tenant) => signToken(TEST_JWT_SECRET, { sub: tenant, tenant }, 3600)));

    let started = performance.now();
    clients.push(...Array.from({ length: CLIENT_PROCESSES }, () => forkChild('./live-feed-clients.ts')));
    await Promise.all(
      clients.map((child, k) => {
        const sockets = [];
        for (let i = k; i < CLIENTS; i += CLIENT_PROCESSES) sockets.push({ url: `ws://127.0.0.1:${ports[i % 2]}/v1/analytics/live`, token: tokens[i % TENANTS]! });
        return reply(child, 'ready', { sockets });
      }),
    );
    console.log(`${CLIENTS} clients in ${CLIENT_PROCESSES} processes connected over 2 instances and ${TENANTS} tenants in ${(performance.now() - started).toFixed(0)} ms`);

    const store = observeAppends(createPostgresEventStore(db), signal.notify);
    const sentAt = new Map<string, { before: number; committed: number }>();
    let warm = new Map<number, number>();
    started = performance.now();
    for (let i = 0; i < WARMUP + FACTS; i += 1) {
      const creator = tenants[i % TENANTS]!;
      const subscriber = address(`bench-subscriber-${i}`);
      const key = randomUUID();
      const event = {
        id: randomUUID(),
        type: 'SubscriptionBilled',
        data: { subscriber, creator, amount: '1000', billedAt: new Date().toISOString(), merchantReferenceId: null, receiptHash: key },
        metadata: { source: 'chain' as const, tenantId: creator },
      };
      const before = clock();
      await store.append(subscriptionStreamId(subscriber, creator), [event]);
      if (i >= WARMUP) sentAt.set(key, { before, committed: clock() });
      const due = started + ((i + 1) * 1000) / FACTS_PER_SECOND;
      if (i === WARMUP - 1) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        warm = await deliveryBuckets(ports);
        started = performance.now() - (WARMUP * 1000) / FACTS_PER_SECOND;
      }
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const expected = Math.round((FACTS * CLIENTS) / TENANTS);
    const counted = () => Promise.all(clients.map((child) => reply<{ received: number }>(child, 'received', 'count')));
    const deadline = performance.now() + 10_000;
    while ((await counted()).reduce((n, c) => n + c.received, 0) < ((WARMUP + FACTS) * CLIENTS) / TENANTS && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const reports = await Promise.all(clients.map((child) => reply<{ receipts: string[]; arrivals: number[]; worstLoopDelayMs: number }>(child, 'receipts', 'report')));
    const total: number[] = [];
    const afterCommit: number[] = [];
    for (const { receipts, arrivals } of reports) {
      for (const [j, receipt] of receipts.entries()) {
        const sent = sentAt.get(receipt);
        if (!sent) continue;
        total.push(arrivals[j]! - sent.before);
        afterCommit.push(arrivals[j]! - sent.committed);
      }
    }
    console.log(`${FACTS} facts at ${FACTS_PER_SECOND}/s → ${total.length.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} deliveries`);
    console.log(`append → message  ${summary(total)}  (target p99 < 100 ms)`);
    console.log(`commit → message  ${summary(afterCommit)}`);
    const served = await deliveryBuckets(ports);
    console.log(`server side (recorded → sent to the sockets, substream_live_delivery_seconds)  p50 ${bucketQuantile(warm, served, 0.5)}  p99 ${bucketQuantile(warm, served, 0.99)}`);
    console.log(`client processes' worst event-loop delay: ${reports.map((r) => `${r.worstLoopDelayMs.toFixed(0)} ms`).join(', ')}`);
    console.log(`peak RSS per instance: ${(await rss()).map(mb).join(', ')} (target < 250 MB; ${idle.map(mb).join(', ')} before any client)`);
  } finally {
    for (const child of [...clients, ...instances]) if (child.exitCode === null) child.send('stop');
    await Promise.all([...clients, ...instances].map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)))));
    await signal.close();
    await db.destroy();
    await admin(`drop database if exists ${name} with (force)`);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}
