import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { FastifyRequest } from 'fastify';
import { requireFlag } from '../api/plugins/flags.ts';
import { randomAccount, testApp } from '../tests/support/app.ts';

const EVALUATIONS = Number(process.env.BENCH_FLAGS_EVALUATIONS ?? 200_000);
const FLAGS = 20;
const COLD_TENANTS = 200;
const TARGET_MS = 1;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const us = (ns: number): string => `${(ns / 1_000).toFixed(2)} µs`;
const ms = (ns: number): string => `${(ns / 1e6).toFixed(2)} ms`;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Times `fn` once per call with the monotonic clock; returns the sorted latencies (ns). */
async function timeEach(count: number, fn: (i: number) => unknown): Promise<Float64Array> {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const began = process.hrtime.bigint();
    await fn(i);
    samples[i] = Number(process.hrtime.bigint() - began);
  }
  return samples.sort();
}

/** Evaluations per second over an untimed loop (no clock read per call). */
async function rate(count: number, fn: (i: number) => unknown): Promise<number> {
  const began = performance.now();
  for (let i = 0; i < count; i++) await fn(i);
  return (count / (performance.now() - began)) * 1000;
}

function report(label: string, samples: Float64Array, perSecond: number, clockNs: number): number {
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  console.log(`${label.padEnd(34)} p50 ${us(p50).padStart(9)}  p99 ${us(p99).padStart(9)}  p99.9 ${us(percentile(samples, 99.9)).padStart(9)}` +
    `  max ${ms(samples[samples.length - 1]!).padStart(9)}  ${fmt(perSecond).padStart(11)} evaluations/s  (clock read ~${fmt(clockNs)} ns included)`);
  return p99;
}

/**
 * Tenant flag evaluation as routes use it: `app.flags.isEnabled` and the `requireFlag` guard on
 * a real app (fresh database; REDIS_URL set → Redis pub/sub invalidation, else the in-process
 * bus), against the < 1 ms target and a bare Map lookup. Then the cold path (first evaluation
 * of a tenant: its flag stream read from PostgreSQL) and, with Redis, how long a change takes
 * to reach a second instance's cache.
 */
export async function run(): Promise<void> {
  const teardowns: (() => unknown)[] = [];
  const t = { teardown: (fn: () => unknown) => teardowns.push(fn) };
  const redisUrl = process.env.REDIS_URL;
  const env: Record<string, string> = redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `bench-flags-${randomBytes(4).toString('hex')}:` } : {};
  try {
    const { app, database } = await testApp(t, env);
    console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; invalidation: ${redisUrl ? 'Redis pub/sub' : 'in-process bus'}`);
    const tenant = randomAccount();
    const names = Array.from({ length: FLAGS }, (_, i) => `flag-${i}`);
    const context = { tenant, actor: tenant, correlationId: 'bench', now: new Date().toISOString() };
    await app.flags.change(names.map((flag, i) => ({ flag, enabled: i % 2 === 0 })), context);
    await app.flags.isEnabled(tenant, names[0]!);

    const clock = await timeEach(EVALUATIONS, () => undefined);
    const clockNs = percentile(clock, 50);
    const bare = new Map(names.map((flag, i) => [flag, { enabled: i % 2 === 0, value: null }]));
    const bareRate = await rate(EVALUATIONS, (i) => bare.get(names[i % FLAGS]!)?.enabled ?? false);
    report('bare Map.get, awaited (baseline)', await timeEach(EVALUATIONS, (i) => bare.get(names[i % FLAGS]!)?.enabled ?? false), bareRate, clockNs);

    const evaluate = (i: number) => app.flags.isEnabled(tenant, names[i % FLAGS]!);
    const evalRate = await rate(EVALUATIONS, evaluate);
    const p99 = report('app.flags.isEnabled (cached)', await timeEach(EVALUATIONS, evaluate), evalRate, clockNs);

    const request = { principal: { address: tenant, tenant, scopes: 'all', apiKeyId: undefined } } as unknown as FastifyRequest;
    const guard = requireFlag(app, names[0]!);
    const guardRate = await rate(EVALUATIONS, () => guard(request));
    const guardP99 = report('requireFlag guard (route hook)', await timeEach(EVALUATIONS, () => guard(request)), guardRate, clockNs);
    console.log(`cached evaluation: ${(evalRate / bareRate * 100).toFixed(1)}% of the bare Map's rate; p99 = ${((Math.max(p99, guardP99) / 1e6 / TARGET_MS) * 100).toFixed(3)}% of the ${TARGET_MS} ms target`);
    console.log(`target < ${TARGET_MS} ms per evaluation: ${Math.max(p99, guardP99) < TARGET_MS * 1e6 ? 'met' : 'NOT met'}`);

    const cold = Array.from({ length: COLD_TENANTS }, () => randomAccount());
    for (const other of cold) await app.flags.change([{ flag: 'beta', enabled: true }], { ...context, tenant: other, actor: other });
    const second = redisUrl ? await testApp(t, env, { database }) : null;
    const target = second?.app ?? app;
    const coldSamples = await timeEach(COLD_TENANTS, (i) => target.flags.isEnabled(cold[i]!, 'beta'));
    console.log(`cold (cache miss → PostgreSQL read) ${COLD_TENANTS} tenants: p50 ${ms(percentile(coldSamples, 50))}, p99 ${ms(percentile(coldSamples, 99))}`);

    if (second) {
      const delays = new Float64Array(50);
      for (let i = 0; i < delays.length; i++) {
        const enabled = i % 2 === 1;
        const began = process.hrtime.bigint();
        await app.flags.change([{ flag: 'beta', enabled }], { ...context, tenant: cold[0]!, actor: cold[0]! });
        while ((await second.app.flags.isEnabled(cold[0]!, 'beta')) !== enabled) await new Promise((resolve) => setImmediate(resolve));
        delays[i] = Number(process.hrtime.bigint() - began);
      }
      delays.sort();
      console.log(`a change seen by a second instance (append + Redis pub/sub + reload): p50 ${ms(percentile(delays, 50))}, max ${ms(delays[delays.length - 1]!)}`);
    }
  } finally {
    for (const fn of teardowns.reverse()) await fn();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
