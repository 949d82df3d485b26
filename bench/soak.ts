import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import type autocannon from 'autocannon';
import { createDb } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { signToken } from '../platform/tokens.ts';
import { allProjectors } from '../projections/registry.ts';
import { catchUp } from '../projections/runner.ts';
import { cannon } from './support/autocannon.ts';
import { freshDatabase } from './support/fresh-database.ts';
import { startServer } from './support/server-process.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const LOAD = Number(process.env.SOAK_LOAD ?? 0.7);
const CONNECTIONS = 32;
/** One write in WRITE_EVERY requests; the rest read a projected subscription under RLS. */
const WRITE_EVERY = 5;
const JWT_SECRET = randomBytes(32).toString('hex');
const CONTRACT_ID = StrKey.encodeContract(randomBytes(32));
const TOKEN_CONTRACT = StrKey.encodeContract(randomBytes(32));
const randomAddress = () => StrKey.encodeEd25519PublicKey(randomBytes(32));
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

interface Minute {
  minute: number;
  rate: number;
  p50: number;
  p99: number;
  statuses: string;
  errors: number;
  fiveXx: number;
  rssMb: number;
  heapMb: number;
  poolWaitingMax: number;
  nodeMs: number;
}

/**
 * The soak: the real API in a child process under a mixed load (one POST /v1/subscriptions in five
 * requests, the rest GET /v1/subscriptions/:id under RLS) at SOAK_LOAD (0.7) of the capacity it
 * measured on the same mix just before, for SOAK_MINUTES (10) one-minute segments. Per minute:
 * rate, p50/p99, statuses, 5xx, the server's RSS and heap at the end, the most clients seen waiting
 * for a pool connection (sampled every second) and its CPU ms per request. It ends with the RSS
 * and p99 drift between the second and the last minute (the first warms caches and the JIT).
 */
export async function run(): Promise<void> {
  const database = await freshDatabase();
  const db = createDb({ url: database.url, max: 4, applicationName: 'substream-bench-setup' });
  await migrateToLatest(db);
  const server = await startServer(new URL('./support/api-server.ts', import.meta.url), {
    BENCH_API_CONFIG: JSON.stringify({ DATABASE_URL: database.url, JWT_SECRET, SUBSTREAM_CONTRACT_ID: CONTRACT_ID, REDIS_URL: process.env.BENCH_REDIS_URL, REDIS_KEY_PREFIX: `${database.name}:` }),
  });
  try {
    const creator = Keypair.random().publicKey();
    const auth = { authorization: `Bearer ${await signToken(JWT_SECRET, { sub: creator, tenant: creator }, 7_200)}`, 'content-type': 'application/json' };
    const setup = async (path: string, method: string, body: unknown, status: number) => {
      const response = await fetch(`${server.url}${path}`, { method, headers: auth, body: JSON.stringify(body) });
      if (response.status !== status) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    };
    await setup('/v1/creators', 'POST', { displayName: 'Soak Creator' }, 201);
    await setup('/v1/creators/me/tiers', 'PUT', { tiers: [{ name: 'gold', token: TOKEN_CONTRACT, price: { kind: 'rate', ratePerSecond: '5' } }] }, 200);

    // Readers: 2,000 subscriptions written through the API and projected before the load starts.
    const readers = await Promise.all(Array.from({ length: 2_000 }, async () => {
      const sub = randomAddress();
      return { sub, bearer: `Bearer ${await signToken(JWT_SECRET, { sub }, 7_200)}` };
    }));
    const body = JSON.stringify({ creator, tier: 'gold' });
    for (let i = 0; i < readers.length; i += 50) {
      await Promise.all(readers.slice(i, i + 50).map(async ({ bearer }) => {
        const response = await fetch(`${server.url}/v1/subscriptions`, { method: 'POST', headers: { authorization: bearer, 'content-type': 'application/json' }, body });
        if (response.status !== 202) throw new Error(`seeding a subscription: ${response.status} ${await response.text()}`);
      }));
    }
    for (const projector of allProjectors) await catchUp(db, projector);

    // Every write a subscriber of its own (a repeat would be 409): tokens are signed ahead, in this process.
    const writers: string[] = [];
    const addWriters = async (count: number) => {
      for (let i = 0; i < count; i += 1_000) {
        writers.push(...(await Promise.all(Array.from({ length: Math.min(1_000, count - i) }, () => signToken(JWT_SECRET, { sub: randomAddress() }, 7_200).then((t) => `Bearer ${t}`)))));
      }
    };
    let n = 0;
    let w = 0;
    const mixed: autocannon.Request = {
      method: 'GET',
      path: '/',
      setupRequest: (request) => {
        const i = n++;
        if (i % WRITE_EVERY === 0) {
          const headers: Record<string, string> = { authorization: writers[w++ % writers.length]!, 'content-type': 'application/json' };
          return { ...request, method: 'POST', path: '/v1/subscriptions', headers, body };
        }
        const reader = readers[i % readers.length]!;
        const { body: _unused, ...get } = request;
        const headers: Record<string, string> = { authorization: reader.bearer };
        return { ...get, method: 'GET', path: `/v1/subscriptions/${reader.sub}-${creator}`, headers };
      },
    };
    await addWriters(20 * 4_000 / WRITE_EVERY);

    const capacity = await cannon('capacity (mixed)', 200, { url: server.url, connections: 64, duration: 20, requests: [mixed] }, { server, database: database.name });
    const capacityRate = capacity.responses / capacity.seconds;
    const rate = Math.max(1, Math.round(capacityRate * LOAD));
    await addWriters(Math.ceil((rate * 60 * MINUTES * 1.1) / WRITE_EVERY));
    console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; capacity on the mix ${capacityRate.toFixed(0)} req/s (p99 ${capacity.p99} ms, ${capacity.statuses}); soaking at ${rate} req/s (${LOAD * 100}%) for ${MINUTES} min, ${CONNECTIONS} connections`);

    const minutes: Minute[] = [];
    for (let minute = 1; minute <= MINUTES; minute++) {
      let poolWaitingMax = 0;
      const sampler = setInterval(() => void server.stats().then((s) => (poolWaitingMax = Math.max(poolWaitingMax, s.poolWaiting ?? 0)), () => {}), 1_000);
      const f = await cannon(`minute ${minute}`, 200, { url: server.url, connections: CONNECTIONS, duration: 60, overallRate: rate, requests: [mixed] }, { server, database: database.name });
      clearInterval(sampler);
      const stats = await server.stats();
      const fiveXx = f.statuses.split(' ').filter((s) => s.startsWith('5')).reduce((sum, s) => sum + Number(s.split('×')[1]), 0);
      minutes.push({ minute, rate: f.responses / f.seconds, p50: f.p50, p99: f.p99, statuses: f.statuses, errors: f.errors, fiveXx, rssMb: Number(mb(stats.rss!)), heapMb: Number(mb(stats.heapUsed!)), poolWaitingMax, nodeMs: f.nodeMsPerRequest });
      const m = minutes.at(-1)!;
      console.log(`| ${String(minute).padStart(2)} | ${m.rate.toFixed(0).padStart(5)} req/s | p50 ${String(m.p50).padStart(4)} ms | p99 ${String(m.p99).padStart(5)} ms | RSS ${m.rssMb} MB heap ${m.heapMb} MB | pool waiting ≤ ${poolWaitingMax} | 5xx ${fiveXx} errors ${f.errors} | node ${m.nodeMs.toFixed(3)} ms/req | ${f.statuses} |`);
    }
    const second = minutes[Math.min(1, minutes.length - 1)]!;
    const last = minutes.at(-1)!;
    const total5xx = minutes.reduce((sum, m) => sum + m.fiveXx + m.errors, 0);
    console.log(`drift from minute ${second.minute} to ${last.minute}: RSS ${second.rssMb} → ${last.rssMb} MB (${(((last.rssMb - second.rssMb) / second.rssMb) * 100).toFixed(1)}%), p99 ${second.p99} → ${last.p99} ms; 5xx and socket errors over the soak: ${total5xx}`);
  } finally {
    await server.stop();
    await db.destroy();
    await database.drop();
  }
}
