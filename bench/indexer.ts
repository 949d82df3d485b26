import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Networks } from '@stellar/stellar-sdk';
import { replayJob } from '../indexer/checkpoints.ts';
import { parseContracts } from '../indexer/decoders/contracts.ts';
import { runIndexer } from '../indexer/runner.ts';
import { createEventsArchiveSource } from '../indexer/sources/events-archive.ts';
import { createDb } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { BENCH_SUBSTREAM, BENCH_TOKENS, generateArchive } from './generate-archive.ts';
import { admin, SERVER_URL } from './support/database.ts';

const EVENTS = Number(process.env.BENCH_INDEXER_EVENTS ?? 500_000);
const TARGET = 50_000;


/**
 * Replay throughput end to end: a generated getEvents NDJSON archive (BENCH_INDEXER_EVENTS,
 * default 500k; 90% SEP-41 transfers, 10% SubStream `subscription_billed` with a domain fact)
 * through the archive source, decoders and runner into a fresh PostgreSQL event store.
 * Also reports the decode-only rate (dry run).
 */
export async function run(): Promise<void> {
  const file = process.env.BENCH_INDEXER_ARCHIVE ?? join(tmpdir(), `substream-bench-events-${EVENTS}.ndjson`);
  let started = performance.now();
  const range = existsSync(file) ? await createEventsArchiveSource({ file }).range() : await generateArchive({ file, events: EVENTS });
  console.log(`archive: ${file}, ledgers ${range.from}-${range.to} (${((performance.now() - started) / 1000).toFixed(1)} s to generate or scan)`);
  const decode = { passphrase: Networks.TESTNET, contracts: parseContracts(`${BENCH_SUBSTREAM}=substream-v1,${BENCH_TOKENS.map((c) => `${c}=sep41`).join(',')}`) };
  const source = createEventsArchiveSource({ file, batchEvents: 5_000 });

  started = performance.now();
  const dry = await runIndexer(null, { job: 'bench', source, from: range.from, to: range.to, decode, dryRun: true });
  const drySeconds = (performance.now() - started) / 1000;
  console.log(`decode only: ${dry.events} events in ${drySeconds.toFixed(1)} s = ${Math.round(dry.events / drySeconds)} events/s`);

  const name = `substream_bench_indexer_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const db = createDb({ url: url.toString(), max: 4 });
  try {
    await migrateToLatest(db);
    started = performance.now();
    const stats = await runIndexer(db, { job: replayJob('archive', range.from, range.to), source, from: range.from, to: range.to, decode });
    const seconds = (performance.now() - started) / 1000;
    const rate = Math.round(stats.events / seconds);
    console.log(`replay into the store: ${stats.events} events (${stats.appended} appended) in ${seconds.toFixed(1)} s = ${rate} events/s, ${Math.round(stats.ledgers / seconds)} ledgers/s (target ≥ ${TARGET}: ${(rate / TARGET).toFixed(2)}x)`);
    started = performance.now();
    const again = await runIndexer(db, { job: 'replay:archive:again', source, from: range.from, to: range.to, decode });
    const againSeconds = (performance.now() - started) / 1000;
    console.log(`idempotent re-replay (another job): ${again.duplicates} duplicates, ${again.appended} appended, ${Math.round(again.events / againSeconds)} events/s`);
  } finally {
    await db.destroy();
    await admin(`drop database if exists ${name} with (force)`);
  }
}
