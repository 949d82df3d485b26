import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import { loadConfig } from '../platform/config.ts';
import { createDb } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { signToken } from '../platform/tokens.ts';
import { allProjectors } from '../projections/registry.ts';
import { catchUp } from '../projections/runner.ts';
import { backendCpu } from './support/backend-cpu.ts';
import { admin, SERVER_URL } from './support/database.ts';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CONNECTIONS = 64;
/** Distinct subscribers pre-generated for the command run (it stops early if it uses them all). */
const SUBSCRIBERS = Number(process.env.BENCH_HTTP_SUBSCRIBERS ?? Math.max(2_000, Math.ceil(SECONDS * 6_000)));
const JWT_SECRET = randomBytes(32).toString('hex');
const CONTRACT_ID = StrKey.encodeContract(randomBytes(32));
const TOKEN_CONTRACT = StrKey.encodeContract(randomBytes(32));


/** A fresh subscriber address. Keypair.random() derives the public key in JS (~1 ms each here), too slow for tens of thousands. */
const randomAddress = () => StrKey.encodeEd25519PublicKey(randomBytes(32));

interface Figures {
  route: string;
  /** Every response, whatever its status. */
  responses: number;
  ok: number;
  rate: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statuses: string;
  seconds: number;
  /** This process's CPU time over wall time (100% = one core): the servers and autocannon together. */
  cpu: number;
  /** p50 with a single connection (no queueing): the route's own service time. */
  serviceP50?: number;
  /** This process's CPU milliseconds per response (servers and autocannon): less sensitive to a busy machine than the rate. */
  nodeMsPerRequest: number;
  /** The bench database's PostgreSQL backends' CPU milliseconds per response. */
  pgMsPerRequest: number;
}

/** One autocannon run; `ok` counts only responses with status `okStatus`. */
function cannon(route: string, okStatus: number, options: autocannon.Options, onInstance?: (instance: autocannon.Instance) => void): Promise<Figures> {
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const instance = autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options }, (error, result) => {
      if (error) return reject(error);
      const used = process.cpuUsage(cpu);
      const ok = result.statusCodeStats[String(okStatus)]?.count ?? 0;
      const cpuSeconds = (used.user + used.system) / 1e6;
      resolve({
        route,
        responses: result.requests.total,
        ok,
        rate: ok / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        statuses: Object.entries(result.statusCodeStats).map(([code, { count }]) => `${code}×${count}`).join(' '),
        seconds: result.duration,
        cpu: cpuSeconds / result.duration,
        nodeMsPerRequest: (cpuSeconds * 1000) / result.requests.total,
        pgMsPerRequest: NaN,
      });
    });
    onInstance?.(instance);
  });
}

/**
 * A 1 s warm-up, a 2 s single-connection probe (service time), then the measured run; with a
 * database, its backends' CPU over the measured run too.
 */
async function measure(route: string, okStatus: number, options: autocannon.Options, onInstance?: (instance: autocannon.Instance) => void, database?: string): Promise<Figures> {
  await cannon('warm-up', okStatus, { ...options, duration: 1 }, onInstance);
  const probe = await cannon('probe', okStatus, { ...options, connections: 1, duration: 2 }, onInstance);
  const pg = database ? await backendCpu(database) : undefined;
  const figures = await cannon(route, okStatus, options, onInstance);
  const pgSeconds = pg ? await pg() : NaN;
  return { ...figures, serviceP50: probe.p50, pgMsPerRequest: (pgSeconds * 1000) / figures.responses };
}

const urlOf = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/**
 * HTTP throughput and latency of the real API (listening on 127.0.0.1, rate limiter on but
 * raised; in memory, or in Redis with BENCH_REDIS_URL) against a Fastify hello-world ceiling in
 * the same process, with autocannon at 64 connections for BENCH_HTTP_SECONDS (10) each:
 * POST /v1/subscriptions (each request a distinct subscriber) and GET /v1/subscriptions/:id
 * (read model under RLS), on one fresh database;
 * GET /v1/me/subscriptions too, the same read path on a route without the (long) id parameter.
 * autocannon runs in this process too: it shares the event loop (and the machine's CPUs) with
 * the servers, for the ceiling as much as for the API.
 */
export async function run(): Promise<void> {
  const name = `substream_bench_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: url.toString(),
    JWT_SECRET,
    SUBSTREAM_CONTRACT_ID: CONTRACT_ID,
    SEP10_SIGNING_SECRET: Keypair.random().secret(),
    API_KEY_PEPPER: randomBytes(32).toString('hex'),
    RATE_LIMIT_PER_MINUTE: '1000000000',
    // With it, rate-limit counters live in Redis as in a multi-instance deployment (one round trip per request).
    REDIS_URL: process.env.BENCH_REDIS_URL,
    REDIS_KEY_PREFIX: `${name}:`,
  });
  const db = createDb({ url: url.toString(), max: config.DATABASE_POOL_MAX, applicationName: 'substream-bench' });
  const hello = Fastify({ logger: false });
  hello.get('/bench/hello', async () => ({ hello: 'world' }));
  let app: FastifyInstance | undefined;
  console.log(`machine: ${os.cpus().length} CPUs, load average ${loadavg()}; ${CONNECTIONS} connections, ${SECONDS} s per run; rate limiter in ${config.REDIS_URL ? 'Redis' : 'memory (BENCH_REDIS_URL puts it in Redis)'}`);
  try {
    await migrateToLatest(db);
    app = await buildApp({ services: { config, db, eventStore: createPostgresEventStore(db), jwtSecret: JWT_SECRET } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    await hello.listen({ host: '127.0.0.1', port: 0 });
    const api = urlOf(app);

    // The creator and its tiers, through the API.
    const creator = Keypair.random().publicKey();
    const creatorAuth = { authorization: `Bearer ${await signToken(JWT_SECRET, { sub: creator, tenant: creator }, 3600)}`, 'content-type': 'application/json' };
    const registered = await fetch(`${api}/v1/creators`, { method: 'POST', headers: creatorAuth, body: JSON.stringify({ displayName: 'Bench Creator' }) });
    if (registered.status !== 201) throw new Error(`registering the creator: ${registered.status} ${await registered.text()}`);
    const tiers = await fetch(`${api}/v1/creators/me/tiers`, {
      method: 'PUT',
      headers: creatorAuth,
      body: JSON.stringify({ tiers: [{ name: 'gold', token: TOKEN_CONTRACT, price: { kind: 'rate', ratePerSecond: '5' } }] }),
    });
    if (tiers.status !== 200) throw new Error(`setting tiers: ${tiers.status} ${await tiers.text()}`);

    let started = performance.now();
    const subscribers = Array.from({ length: SUBSCRIBERS }, randomAddress);
    const bearers = await Promise.all(subscribers.map(async (sub) => `Bearer ${await signToken(JWT_SECRET, { sub }, 3600)}`));
    console.log(`setup: ${SUBSCRIBERS.toLocaleString('en-US')} subscribers and tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    // 1. The ceiling (warm-up, then measured).
    const helloUrl = `${urlOf(hello)}/bench/hello`;
    const ceiling = await measure('GET /bench/hello (plain Fastify)', 200, { url: helloUrl });

    // 2. Commands: every request a subscriber of its own; 202s are recorded for the query run.
    const body = JSON.stringify({ creator, tier: 'gold' });
    let next = 0;
    let exhausted = false;
    let stopCurrent: (() => void) | undefined;
    const accepted: number[] = [];
    const subscribe: autocannon.Request = {
      method: 'POST',
      path: '/v1/subscriptions',
      setupRequest: (request, context) => {
        if (next >= SUBSCRIBERS) {
          exhausted = true;
          stopCurrent?.();
          next = 0; // never sent: the run is stopping
        }
        context.i = next;
        return { ...request, headers: { authorization: bearers[next++]!, 'content-type': 'application/json' }, body };
      },
      onResponse: (status, _body, context) => {
        if (status === 202) accepted.push(context.i as number);
      },
    };
    const onCommands = (instance: autocannon.Instance) => (stopCurrent = () => instance.stop());
    const commands = await measure('POST /v1/subscriptions', 202, { url: api, requests: [subscribe] }, onCommands, name);
    stopCurrent = undefined;
    if (exhausted) console.log(`note: the command runs used all ${SUBSCRIBERS.toLocaleString('en-US')} subscribers and stopped early (BENCH_HTTP_SUBSCRIBERS raises it)`);

    // 3. Queries: project what the commands wrote, then read existing subscriptions as their subscribers.
    started = performance.now();
    for (const projector of allProjectors) await catchUp(db, projector);
    const projected = await db.selectFrom('subscriptions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    console.log(`projection: ${accepted.length.toLocaleString('en-US')} accepted commands, ${Number(projected.n).toLocaleString('en-US')} subscription rows after catch-up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (accepted.length === 0) throw new Error('no subscription was accepted: nothing to query');
    const reads = accepted.map((i) => ({
      path: `/v1/subscriptions/${subscribers[i]}-${creator}`,
      headers: { authorization: bearers[i]! },
    }));
    let cursor = 0;
    const read: autocannon.Request = {
      method: 'GET',
      path: '/v1/subscriptions/x',
      setupRequest: (request) => {
        const r = reads[cursor++ % reads.length]!;
        return { ...request, path: r.path, headers: r.headers };
      },
    };
    const queries = await measure('GET /v1/subscriptions/:id (RLS)', 200, { url: api, requests: [read] }, undefined, name);
    // The same read path (readInScope, one indexed query under RLS) on a route without the id
    // parameter: ids are 113 characters, over the router's default maxParamLength of 100 (414).
    const own = accepted.map((i) => ({ authorization: bearers[i]! }));
    let ownCursor = 0;
    const mine: autocannon.Request = {
      method: 'GET',
      path: '/v1/me/subscriptions',
      setupRequest: (request) => ({ ...request, headers: own[ownCursor++ % own.length]! }),
    };
    const myQueries = await measure('GET /v1/me/subscriptions (RLS)', 200, { url: api, requests: [mine] }, undefined, name);

    // Table.
    const ms = (v: number) => v.toFixed(1).padStart(7);
    const line = (f: Figures, ratio: string, target: string) =>
      `| ${f.route.padEnd(34)} | ${Math.round(f.rate).toLocaleString('en-US').padStart(9)} | ${ms(f.p50)} | ${ms(f.p99)} | ${String(f.non2xx + f.errors).padStart(7)} | ${ratio.padEnd(16)} | ${ms(f.serviceP50 ?? NaN)} | ${`${Math.round(f.cpu * 100)}%`.padStart(8)} | ${f.nodeMsPerRequest.toFixed(3).padStart(8)} | ${(Number.isNaN(f.pgMsPerRequest) ? '—' : f.pgMsPerRequest.toFixed(3)).padStart(8)} | ${target.padEnd(40)} |`;
    const commandRatio = commands.rate / ceiling.rate;
    const queryRatio = queries.rate / ceiling.rate;
    const myRatio = myQueries.rate / ceiling.rate;
    const verdict = (ok: boolean) => (ok ? 'meets' : 'MISSES');
    console.log(
      [
        `| ${'route'.padEnd(34)} | ${'2xx/s'.padStart(9)} | ${'p50 ms'.padStart(7)} | ${'p99 ms'.padStart(7)} | ${'non-2xx'.padStart(7)} | ${'vs ceiling'.padEnd(16)} | ${'p50 @1c'.padStart(7)} | ${'node CPU'.padStart(8)} | ${'node ms'.padStart(8)} | ${'PG ms'.padStart(8)} | ${'target'.padEnd(40)} |`,
        `|${'-'.repeat(36)}|${'-'.repeat(11)}|${'-'.repeat(9)}|${'-'.repeat(9)}|${'-'.repeat(9)}|${'-'.repeat(18)}|${'-'.repeat(9)}|${'-'.repeat(10)}|${'-'.repeat(10)}|${'-'.repeat(10)}|${'-'.repeat(42)}|`,
        line(ceiling, '100%', 'ceiling'),
        line(commands, `${(commandRatio * 100).toFixed(1)}% (commands)`, `≥ 5,000/s, p99 < 25 ms: ${verdict(commands.rate >= 5_000 && commands.p99 < 25)}`),
        line(queries, `${(queryRatio * 100).toFixed(1)}% (queries)`, `≥ 40% of ceiling, p99 < 10 ms: ${verdict(queryRatio >= 0.4 && queries.p99 < 10)}`),
        line(myQueries, `${(myRatio * 100).toFixed(1)}% (queries)`, `≥ 40% of ceiling, p99 < 10 ms: ${verdict(myRatio >= 0.4 && myQueries.p99 < 10)}`),
      ].join('\n'),
    );
    console.log('p50 @1c: median latency with one connection (service time, no queueing); node CPU: this process (servers + autocannon), 100% = one core; node ms / PG ms: CPU milliseconds per response of this process and of the bench database\'s PostgreSQL backends (robust to a busy machine, unlike the rates)');
    console.log(`\nstatus codes: ${[ceiling, commands, queries, myQueries].map((f) => `${f.route}: ${f.statuses || 'none'}${f.errors ? `, ${f.errors} errors` : ''} in ${f.seconds.toFixed(1)} s`).join('; ')}`);
    console.log(`commands/ceiling = ${commandRatio.toFixed(3)}, queries/ceiling = ${queryRatio.toFixed(3)} (me/subscriptions ${myRatio.toFixed(3)}); load average after: ${loadavg()}`);
  } finally {
    await app?.close();
    await hello.close();
    await db.destroy();
    // pg's pool.end() resolves before its sockets close: let those backends exit before forcing.
    for (let i = 0; i < 50; i++) {
      const { rows } = await admin('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
      if (rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await admin(`drop database if exists ${name} with (force)`);
  }
}
