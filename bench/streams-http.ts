import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { StrKey } from '@stellar/stellar-sdk';
import type autocannon from 'autocannon';
import { paymentStreamId } from '../domain/stream/events.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import type { StreamAppend } from '../eventstore/types.ts';
import { createDb } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { signToken } from '../platform/tokens.ts';
import { catchUp } from '../projections/runner.ts';
import { streamsProjector } from '../projections/streams/projector.ts';
import { measure, type Figures } from './support/autocannon.ts';
import { freshDatabase } from './support/fresh-database.ts';
import { startServer, type ServerProcess } from './support/server-process.ts';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CONNECTIONS = 64;
const STREAMS = Number(process.env.BENCH_STREAMS ?? 5_000);
/** Streams per receiver: each receiver reads only its own, under RLS. */
const PER_RECEIVER = 10;
const JWT_SECRET = randomBytes(32).toString('hex');
const CONTRACT_ID = StrKey.encodeContract(randomBytes(32));
const TOKEN_CONTRACT = StrKey.encodeContract(randomBytes(32));
const START = 1_800_000_000;
const DURATION = 86_400;

const randomAddress = () => StrKey.encodeEd25519PublicKey(randomBytes(32));
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** `StreamCreated` chain facts for STREAMS streams, as the indexer appends them (tenant = the receiver). */
function streamFacts(receivers: string[]): StreamAppend[] {
  return Array.from({ length: STREAMS }, (_, i) => {
    const receiver = receivers[Math.floor(i / PER_RECEIVER)]!;
    const streamId = String(i + 1);
    return {
      streamId: paymentStreamId(CONTRACT_ID, streamId),
      events: [{
        id: randomUUID(),
        type: 'StreamCreated',
        data: {
          contractId: CONTRACT_ID, streamId, sender: randomAddress(), receiver, token: TOKEN_CONTRACT, totalAmount: String(1_000_000 + i),
          startAt: iso(START), cliffAt: null, endAt: iso(START + DURATION), memo: `bench-${i}`, createdAt: iso(START),
        },
        metadata: {
          source: 'chain' as const,
          tenantId: receiver,
          chain: { ledger: 1_000 + i, ledgerClosedAt: iso(START), txHash: randomBytes(32).toString('hex'), operationIndex: 0, eventIndex: 0, contractId: CONTRACT_ID },
        },
      }],
    };
  });
}

/**
 * `GET /v1/streams/:id?at=` (a stream's amounts at a moment, read model under RLS) against a
 * Fastify hello-world ceiling measured in the same run, each server in a child process of its
 * own and autocannon alone in this process, at 64 connections for BENCH_HTTP_SECONDS (10) each,
 * on a fresh database holding BENCH_STREAMS (5,000) streams. Each request reads a different
 * stream as its receiver at a different `at` inside the schedule.
 */
export async function run(): Promise<void> {
  const database = await freshDatabase();
  const apiConfig = {
    DATABASE_URL: database.url,
    JWT_SECRET,
    STELLARSTREAM_CONTRACT_ID: CONTRACT_ID,
  };
  const db = createDb({ url: database.url, max: 4, applicationName: 'substream-bench-setup' });
  const servers: ServerProcess[] = [];
  console.log(`machine: ${os.cpus().length} CPUs, load average ${loadavg()}; ${CONNECTIONS} connections, ${SECONDS} s per run; each server in a child process, autocannon in this one`);
  try {
    await migrateToLatest(db);
    const eventStore = createPostgresEventStore(db);
    let started = performance.now();
    const receivers = Array.from({ length: Math.ceil(STREAMS / PER_RECEIVER) }, randomAddress);
    const facts = streamFacts(receivers);
    for (let i = 0; i < facts.length; i += 1_000) await eventStore.appendMany(facts.slice(i, i + 1_000));
    await catchUp(db, streamsProjector);
    console.log(`setup: ${STREAMS.toLocaleString('en-US')} streams appended and projected in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const hello = await startServer(new URL('./support/hello-server.ts', import.meta.url));
    servers.push(hello);
    const app = await startServer(new URL('./support/api-server.ts', import.meta.url), { BENCH_API_CONFIG: JSON.stringify(apiConfig) });
    servers.push(app);
    started = performance.now();
    const bearers = await Promise.all(receivers.map(async (sub) => `Bearer ${await signToken(JWT_SECRET, { sub }, 3600)}`));
    console.log(`setup: ${receivers.length.toLocaleString('en-US')} receiver tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const run = { connections: CONNECTIONS, duration: SECONDS };
    const ceiling = await measure('GET /bench/hello (plain Fastify)', 200, { ...run, url: `${hello.url}/bench/hello` }, { server: hello });
    let next = 0;
    const read: autocannon.Request = {
      method: 'GET',
      path: '/v1/streams/x',
      setupRequest: (request) => {
        const i = next++ % STREAMS;
        const at = START + ((next * 7_919) % DURATION);
        return { ...request, path: `/v1/streams/${CONTRACT_ID}-${i + 1}?at=${at}`, headers: { authorization: bearers[Math.floor(i / PER_RECEIVER)]! } };
      },
    };
    const streams = await measure('GET /v1/streams/:id?at= (RLS)', 200, { ...run, url: app.url, requests: [read] }, { server: app, database: database.name });

    const ms = (v: number) => v.toFixed(1).padStart(7);
    const line = (f: Figures, ratio: string) =>
      `| ${f.route.padEnd(32)} | ${Math.round(f.rate).toLocaleString('en-US').padStart(9)} | ${ms(f.p50)} | ${ms(f.p99)} | ${String(f.non2xx + f.errors).padStart(7)} | ${ratio.padEnd(10)} | ${ms(f.serviceP50 ?? NaN)} | ${`${Math.round(f.cpu * 100)}%`.padStart(8)} | ${f.nodeMsPerRequest.toFixed(3).padStart(8)} | ${(Number.isNaN(f.pgMsPerRequest) ? '—' : f.pgMsPerRequest.toFixed(3)).padStart(8)} |`;
    const ratio = streams.rate / ceiling.rate;
    console.log(
      [
        `| ${'route'.padEnd(32)} | ${'2xx/s'.padStart(9)} | ${'p50 ms'.padStart(7)} | ${'p99 ms'.padStart(7)} | ${'non-2xx'.padStart(7)} | ${'vs ceiling'.padEnd(10)} | ${'p50 @1c'.padStart(7)} | ${'node CPU'.padStart(8)} | ${'node ms'.padStart(8)} | ${'PG ms'.padStart(8)} |`,
        `|${'-'.repeat(34)}|${'-'.repeat(11)}|${'-'.repeat(9)}|${'-'.repeat(9)}|${'-'.repeat(9)}|${'-'.repeat(12)}|${'-'.repeat(9)}|${'-'.repeat(10)}|${'-'.repeat(10)}|${'-'.repeat(10)}|`,
        line(ceiling, '100%'),
        line(streams, `${(ratio * 100).toFixed(1)}%`),
      ].join('\n'),
    );
    console.log('p50 @1c: median latency with one connection (service time, no queueing); node CPU: the server\'s child process (autocannon runs in another), 100% = one core; node ms / PG ms: CPU milliseconds per response of the server\'s process and of the bench database\'s PostgreSQL backends');
    console.log(`\nstatus codes: ${[ceiling, streams].map((f) => `${f.route}: ${f.statuses || 'none'}${f.errors ? `, ${f.errors} errors` : ''} in ${f.seconds.toFixed(1)} s, autocannon CPU ${Math.round(f.cannonCpu * 100)}%`).join('; ')}`);
    console.log(`streams/ceiling = ${ratio.toFixed(3)}; load average after: ${loadavg()}`);
  } finally {
    for (const server of servers) await server.stop();
    await db.destroy();
    await database.drop();
  }
}
