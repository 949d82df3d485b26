import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import type autocannon from 'autocannon';
import { createDb } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { signToken } from '../platform/tokens.ts';
import { allProjectors } from '../projections/registry.ts';
import { readInScope } from '../projections/read-scope.ts';
import { catchUp } from '../projections/runner.ts';
import { subscriptionById } from '../projections/subscriptions/queries.ts';
import { requestSubscription } from '../commands/request-subscription.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import { measure, type Figures } from './support/autocannon.ts';
import { measureDirect, type DirectFigures } from './support/direct.ts';
import { freshDatabase } from './support/fresh-database.ts';
import { startServer, type ServerProcess } from './support/server-process.ts';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CONNECTIONS = 64;
/** Distinct subscribers pre-generated for the command run (it stops early if it uses them all). */
const SUBSCRIBERS = Number(process.env.BENCH_HTTP_SUBSCRIBERS ?? Math.max(2_000, Math.ceil(SECONDS * 6_000)));
const JWT_SECRET = randomBytes(32).toString('hex');
const CONTRACT_ID = StrKey.encodeContract(randomBytes(32));
const TOKEN_CONTRACT = StrKey.encodeContract(randomBytes(32));

/** A fresh subscriber address. Keypair.random() derives the public key in JS (~1 ms each here), too slow for tens of thousands. */
const randomAddress = () => StrKey.encodeEd25519PublicKey(randomBytes(32));
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/**
 * HTTP throughput and latency of the real API (listening on 127.0.0.1, rate limiter on but
 * raised; in memory, or in Redis with BENCH_REDIS_URL) against a Fastify hello-world ceiling,
 * each server in a child process of its own and autocannon alone in this process, at 64
 * connections for BENCH_HTTP_SECONDS (10) each: POST /v1/subscriptions (each request a distinct
 * subscriber) and GET /v1/subscriptions/:id (read model under RLS), on one fresh database;
 * GET /v1/me/subscriptions too, the same read path on a route without the (long) id parameter.
 * CPU figures are the server child's (process.cpuUsage over IPC) and the database's backends'.
 */
export async function run(): Promise<void> {
  const database = await freshDatabase();
  const apiConfig = {
    DATABASE_URL: database.url,
    JWT_SECRET,
    SUBSTREAM_CONTRACT_ID: CONTRACT_ID,
    // With it, rate-limit counters live in Redis as in a multi-instance deployment (one round trip per request).
    REDIS_URL: process.env.BENCH_REDIS_URL,
    REDIS_KEY_PREFIX: `${database.name}:`,
  };
  const db = createDb({ url: database.url, max: 4, applicationName: 'substream-bench-setup' });
  const servers: ServerProcess[] = [];
  console.log(`machine: ${os.cpus().length} CPUs, load average ${loadavg()}; ${CONNECTIONS} connections, ${SECONDS} s per run; rate limiter in ${apiConfig.REDIS_URL ? 'Redis' : 'memory (BENCH_REDIS_URL puts it in Redis)'}; each server in a child process, autocannon in this one`);
  try {
    await migrateToLatest(db);
    const hello = await startServer(new URL('./support/hello-server.ts', import.meta.url));
    servers.push(hello);
    const app = await startServer(new URL('./support/api-server.ts', import.meta.url), { BENCH_API_CONFIG: JSON.stringify(apiConfig) });
    servers.push(app);
    const api = app.url;

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
    const run = { connections: CONNECTIONS, duration: SECONDS };
    const ceiling = await measure('GET /bench/hello (plain Fastify)', 200, { ...run, url: `${hello.url}/bench/hello` }, { server: hello });

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
    const commands = await measure('POST /v1/subscriptions', 202, { ...run, url: api, requests: [subscribe] }, { server: app, database: database.name, onInstance: onCommands });
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
    const queries = await measure('GET /v1/subscriptions/:id (RLS)', 200, { ...run, url: api, requests: [read] }, { server: app, database: database.name });
    // The same read path (readInScope, one indexed query under RLS) on a route without the id
    // parameter: ids are 113 characters, over the router's default maxParamLength of 100 (414).
    const own = accepted.map((i) => ({ authorization: bearers[i]! }));
    let ownCursor = 0;
    const mine: autocannon.Request = {
      method: 'GET',
      path: '/v1/me/subscriptions',
      setupRequest: (request) => ({ ...request, headers: own[ownCursor++ % own.length]! }),
    };
    const myQueries = await measure('GET /v1/me/subscriptions (RLS)', 200, { ...run, url: api, requests: [mine] }, { server: app, database: database.name });

    // 4. The floor under the API: the same read and command called directly in this process (no
    // HTTP, no Fastify), on a pool of the API's size. If these alone miss a target, the API cannot meet it.
    const direct = createDb({ url: database.url, max: 20, applicationName: 'substream-bench-direct' });
    let floors: DirectFigures[];
    try {
      const onDatabase = { seconds: SECONDS, concurrency: CONNECTIONS, database: database.name, applicationName: 'substream-bench-direct' };
      const readFloor = await measureDirect('readInScope(subscriptionById), no HTTP', onDatabase, (i) => {
        const subscriber = subscribers[accepted[i % accepted.length]!]!;
        return readInScope(direct, { wallet: subscriber }, subscriptionById(`${subscriber}-${creator}`));
      });
      const deps = { store: createPostgresEventStore(direct), contractId: CONTRACT_ID, pendingTtlSeconds: 3_600 };
      const commandFloor = await measureDirect('requestSubscription, no HTTP', onDatabase, () => {
        const actor = randomAddress();
        return requestSubscription(deps, { creator, tier: 'gold' }, { actor, tenantId: undefined, now: new Date().toISOString(), correlationId: actor });
      });
      floors = [commandFloor, readFloor];
    } finally {
      await direct.destroy();
    }

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
    console.log(
      [
        '',
        `| ${'called directly (the floor)'.padEnd(40)} | ${'ops/s'.padStart(7)} | ${'vs ceiling'.padStart(10)} | ${'p50 ms'.padStart(7)} | ${'p99 ms'.padStart(7)} | ${'node ms'.padStart(8)} | ${'PG ms'.padStart(8)} |`,
        `|${'-'.repeat(42)}|${'-'.repeat(9)}|${'-'.repeat(12)}|${'-'.repeat(9)}|${'-'.repeat(9)}|${'-'.repeat(10)}|${'-'.repeat(10)}|`,
        ...floors.map((f) => `| ${f.label.padEnd(40)} | ${Math.round(f.rate).toLocaleString('en-US').padStart(7)} | ${`${((f.rate / ceiling.rate) * 100).toFixed(1)}%`.padStart(10)} | ${ms(f.p50)} | ${ms(f.p99)} | ${f.nodeMsPerOp.toFixed(3).padStart(8)} | ${f.pgMsPerOp.toFixed(3).padStart(8)} |`),
      ].join('\n'),
    );
    console.log('called directly: the same command and read from 64 loops in the bench process on a 20-connection pool, without HTTP; node ms is the bench process\'s CPU per operation, PG ms its backends\'');
    console.log('p50 @1c: median latency with one connection (service time, no queueing); node CPU: the server\'s child process (autocannon runs in another), 100% = one core; node ms / PG ms: CPU milliseconds per response of the server\'s process and of the bench database\'s PostgreSQL backends (robust to a busy machine, unlike the rates)');
    console.log(`\nstatus codes: ${[ceiling, commands, queries, myQueries].map((f) => `${f.route}: ${f.statuses || 'none'}${f.errors ? `, ${f.errors} errors` : ''} in ${f.seconds.toFixed(1)} s, autocannon CPU ${Math.round(f.cannonCpu * 100)}%`).join('; ')}`);
    console.log(`commands/ceiling = ${commandRatio.toFixed(3)}, queries/ceiling = ${queryRatio.toFixed(3)} (me/subscriptions ${myRatio.toFixed(3)}); load average after: ${loadavg()}`);
  } finally {
    for (const server of servers) await server.stop();
    await db.destroy();
    await database.drop();
  }
}
