import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import type autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import { paymentStreamId } from '../domain/stream/events.ts';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import type { StreamAppend } from '../eventstore/types.ts';
import { loadConfig } from '../platform/config.ts';
import { createDb } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { signToken } from '../platform/tokens.ts';
import { catchUp } from '../projections/runner.ts';
import { streamsProjector } from '../projections/streams/projector.ts';
import { measure, type Figures } from './support/autocannon.ts';
import { admin, SERVER_URL } from './support/database.ts';

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
const urlOf = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
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
 * Fastify hello-world ceiling measured in the same run, with autocannon at 64 connections for
 * BENCH_HTTP_SECONDS (10) each, on a fresh database holding BENCH_STREAMS (5,000) streams.
 * Each request reads a different stream as its receiver at a different `at` inside the
 * schedule. autocannon runs in this process and shares the machine with the servers.
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
    STELLARSTREAM_CONTRACT_ID: CONTRACT_ID,
    SEP10_SIGNING_SECRET: Keypair.random().secret(),
    API_KEY_PEPPER: randomBytes(32).toString('hex'),
    RATE_LIMIT_PER_MINUTE: '1000000000',
  });
  const db = createDb({ url: url.toString(), max: config.DATABASE_POOL_MAX, applicationName: 'substream-bench' });
  const hello = Fastify({ logger: false });
  hello.get('/bench/hello', async () => ({ hello: 'world' }));
  let app: FastifyInstance | undefined;
  console.log(`machine: ${os.cpus().length} CPUs, load average ${loadavg()}; ${CONNECTIONS} connections, ${SECONDS} s per run`);
  try {
    await migrateToLatest(db);
    const eventStore = createPostgresEventStore(db);
    let started = performance.now();
    const receivers = Array.from({ length: Math.ceil(STREAMS / PER_RECEIVER) }, randomAddress);
    const facts = streamFacts(receivers);
    for (let i = 0; i < facts.length; i += 1_000) await eventStore.appendMany(facts.slice(i, i + 1_000));
    await catchUp(db, streamsProjector);
    console.log(`setup: ${STREAMS.toLocaleString('en-US')} streams appended and projected in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    app = await buildApp({ services: { config, db, eventStore, jwtSecret: JWT_SECRET } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    await hello.listen({ host: '127.0.0.1', port: 0 });
    started = performance.now();
    const bearers = await Promise.all(receivers.map(async (sub) => `Bearer ${await signToken(JWT_SECRET, { sub }, 3600)}`));
    console.log(`setup: ${receivers.length.toLocaleString('en-US')} receiver tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const run = { connections: CONNECTIONS, duration: SECONDS };
    const ceiling = await measure('GET /bench/hello (plain Fastify)', 200, { ...run, url: `${urlOf(hello)}/bench/hello` });
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
    const streams = await measure('GET /v1/streams/:id?at= (RLS)', 200, { ...run, url: urlOf(app), requests: [read] });

    const ms = (v: number) => v.toFixed(1).padStart(7);
    const line = (f: Figures, ratio: string) =>
      `| ${f.route.padEnd(32)} | ${Math.round(f.rate).toLocaleString('en-US').padStart(9)} | ${ms(f.p50)} | ${ms(f.p99)} | ${String(f.non2xx + f.errors).padStart(7)} | ${ratio.padEnd(10)} | ${ms(f.serviceP50 ?? NaN)} | ${`${Math.round(f.cpu * 100)}%`.padStart(8)} |`;
    const ratio = streams.rate / ceiling.rate;
    console.log(
      [
        `| ${'route'.padEnd(32)} | ${'2xx/s'.padStart(9)} | ${'p50 ms'.padStart(7)} | ${'p99 ms'.padStart(7)} | ${'non-2xx'.padStart(7)} | ${'vs ceiling'.padEnd(10)} | ${'p50 @1c'.padStart(7)} | ${'node CPU'.padStart(8)} |`,
        `|${'-'.repeat(34)}|${'-'.repeat(11)}|${'-'.repeat(9)}|${'-'.repeat(9)}|${'-'.repeat(9)}|${'-'.repeat(12)}|${'-'.repeat(9)}|${'-'.repeat(10)}|`,
        line(ceiling, '100%'),
        line(streams, `${(ratio * 100).toFixed(1)}%`),
      ].join('\n'),
    );
    console.log('p50 @1c: median latency with one connection (service time, no queueing); node CPU: this process (servers + autocannon), 100% = one core');
    console.log(`\nstatus codes: ${[ceiling, streams].map((f) => `${f.route}: ${f.statuses || 'none'}${f.errors ? `, ${f.errors} errors` : ''} in ${f.seconds.toFixed(1)} s`).join('; ')}`);
    console.log(`streams/ceiling = ${ratio.toFixed(3)}; load average after: ${loadavg()}`);
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
