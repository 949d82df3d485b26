import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import type { LiveMessage } from '../api/live/messages.ts';
import { subscriptionStreamId } from '../domain/subscription/events.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import { createDb } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { signToken } from '../platform/tokens.ts';
import { TEST_JWT_SECRET } from '../tests/support/app.ts';
import { address } from '../tests/support/subscription-events.ts';
import { admin, SERVER_URL } from './support/database.ts';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLIENTS = Number(process.env.BENCH_LIVE_CLIENTS ?? 1_000);
const TENANTS = Number(process.env.BENCH_LIVE_TENANTS ?? 10);
const FACTS = Number(process.env.BENCH_LIVE_FACTS ?? 300);
const FACTS_PER_SECOND = Number(process.env.BENCH_LIVE_RATE ?? 50);
/** The first facts warm the JIT and connection pools; they are delivered but not measured. */
const WARMUP = 25;


function instance(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(new URL('./live-feed-instance.ts', import.meta.url), { env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, port: (message as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
  });
}

const ask = (child: ChildProcess) =>
  new Promise<number>((resolve) => {
    child.once('message', (message) => resolve((message as { peakRss: number }).peakRss));
    child.send('rss');
  });

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/**
 * Live feed latency: two API instances (child processes) sharing one database and one Redis,
 * 1,000 WebSocket clients split between them over 10 tenants; chain facts (SubscriptionBilled)
 * appended at 50/s round-robin over the tenants. Latency = from just before the append to the
 * client receiving the delta (includes the append's commit and the tailer's poll). Targets:
 * p99 < 100 ms, peak RSS < 250 MB per instance.
 */
export async function run(): Promise<void> {
  const name = `substream_bench_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const prefix = `bench:${randomBytes(6).toString('hex')}:`;
  const db = createDb({ url: url.toString(), max: 4 });
  const children: ChildProcess[] = [];
  const sockets: WebSocket[] = [];
  console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  try {
    await migrateToLatest(db);
    const env = { BENCH_INSTANCE_DATABASE_URL: url.toString(), BENCH_INSTANCE_REDIS_URL: REDIS_URL, BENCH_INSTANCE_REDIS_PREFIX: prefix };
    const instances = await Promise.all([instance(env), instance(env)]);
    children.push(...instances.map((i) => i.child));
    const idle = await Promise.all(children.map(ask));
    const tenants = Array.from({ length: TENANTS }, (_, i) => address(`bench-live-${i}-${randomUUID()}`));
    const tokens = await Promise.all(tenants.map((tenant) => signToken(TEST_JWT_SECRET, { sub: tenant, tenant }, 3600)));

    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => {
        const socket = new WebSocket(`ws://127.0.0.1:${instances[i % 2]!.port}/v1/analytics/live`, ['bearer', tokens[i % TENANTS]!]);
        sockets.push(socket);
        return new Promise<void>((resolve, reject) => {
          socket.onmessage = (event) => {
            const message = JSON.parse(String(event.data)) as LiveMessage;
            if (message.type === 'ready') resolve();
            if (message.type !== 'deltas') return;
            const now = performance.now();
            for (const delta of message.deltas) {
              const sent = sentAt.get((delta.data as { receiptHash: string }).receiptHash);
              if (sent !== undefined) latencies.push(now - sent);
            }
          };
          socket.onclose = (event) => reject(new Error(`closed ${event.code} ${event.reason}`));
        });
      }),
    );
    console.log(`${CLIENTS} clients connected over 2 instances and ${TENANTS} tenants in ${(performance.now() - started).toFixed(0)} ms`);

    const store = createPostgresEventStore(db);
    started = performance.now();
    let lag = 0;
    const lagTimer = setInterval(() => {
      const now = performance.now();
      lag = Math.max(lag, now - lagAt - 10);
      lagAt = now;
    }, 10);
    let lagAt = performance.now();
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
      if (i >= WARMUP) sentAt.set(key, performance.now());
      await store.append(subscriptionStreamId(subscriber, creator), [event]);
      const due = started + ((i + 1) * 1000) / FACTS_PER_SECOND;
      if (i === WARMUP - 1) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        started += 500;
      }
      if (due > performance.now() + 1) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    }
    const expected = (FACTS * CLIENTS) / TENANTS;
    const deadline = performance.now() + 10_000;
    while (latencies.length < expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

    clearInterval(lagTimer);
    const sorted = latencies.sort((a, b) => a - b);
    console.log(`${FACTS} facts at ${FACTS_PER_SECOND}/s → ${latencies.length.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} deliveries`);
    console.log(`append → message  p50 ${quantile(sorted, 0.5).toFixed(1)} ms  p99 ${quantile(sorted, 0.99).toFixed(1)} ms  max ${sorted.at(-1)!.toFixed(1)} ms  (target p99 < 100 ms)`);
    console.log(`bench process (${CLIENTS} clients) worst event-loop stall: ${lag.toFixed(0)} ms`);
    const rss = await Promise.all(children.map(ask));
    console.log(`peak RSS per instance: ${rss.map(mb).join(', ')} (target < 250 MB; ${idle.map(mb).join(', ')} before any client)`);
  } finally {
    for (const socket of sockets) socket.close();
    for (const child of children) child.send('stop');
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)))));
    await db.destroy();
    await admin(`drop database if exists ${name} with (force)`);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}
