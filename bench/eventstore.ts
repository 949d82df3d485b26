import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createPostgresEventStore } from '../eventstore/postgres/store.ts';
import type { EventStore, ExpectedRevision } from '../eventstore/types.ts';
import { createDb, type Db } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { benchEvent } from './support/bench-event.ts';
import { admin, SERVER_URL } from './support/database.ts';

const BATCH = 100;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}


/** Runs `writers` loops of `perWriter` calls each and returns events per second. */
async function measure(writers: number, perWriter: number, eventsPerCall: number, call: (writer: number, i: number) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; i < perWriter; i++) await call(w, i);
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (writers * perWriter * eventsPerCall) / seconds;
}

function appender(store: EventStore, prefix: string, eventsPerCall: number, writers: number, perWriter: number) {
  const prepared = Array.from({ length: writers }, () => Array.from({ length: perWriter }, () => Array.from({ length: eventsPerCall }, benchEvent)));
  const revisions = new Map<number, ExpectedRevision>();
  return async (w: number, i: number) => {
    const result = await store.append(`${prefix}-${w}`, prepared[w]![i]!, { expectedRevision: revisions.get(w) ?? 'no_stream' });
    revisions.set(w, result.revision);
  };
}

async function createBaseline(db: Db): Promise<void> {
  await sql`
    create table bench_baseline (
      global_position bigint generated always as identity primary key,
      transaction_id xid8 not null default pg_current_xact_id(),
      event_id uuid not null, stream_id text not null, stream_revision bigint not null, type text not null,
      data jsonb not null, metadata jsonb not null, recorded_at timestamptz not null default now())`.execute(db);
}

function baselineInserter(db: Db, writers: number, perWriter: number) {
  const prepared = Array.from({ length: writers }, () => Array.from({ length: perWriter }, () => Array.from({ length: BATCH }, benchEvent)));
  return async (w: number, i: number) => {
    const events = prepared[w]![i]!;
    const start = i * BATCH;
    await sql`
      insert into bench_baseline (event_id, stream_id, stream_revision, type, data, metadata)
      select * from unnest(${events.map((e) => e.id)}::uuid[], ${events.map(() => `baseline-${w}`)}::text[],
                           ${events.map((_, k) => start + k)}::bigint[], ${events.map((e) => e.type)}::text[],
                           ${events.map((e) => JSON.stringify(e.data))}::jsonb[], ${events.map((e) => JSON.stringify(e.metadata))}::jsonb[])`.execute(db);
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function row(name: string, rate: number, note = ''): string {
  return `| ${name.padEnd(50)} | ${Math.round(rate).toLocaleString('en-US').padStart(10)} | ${note.padEnd(22)} |`;
}

/**
 * Append throughput of the PostgreSQL event store against a bare-table baseline, on one fresh
 * database that is dropped afterwards.
 */
export async function run(): Promise<void> {
  const name = `substream_bench_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const db = createDb({ url: withDatabase(SERVER_URL, name), max: 20, applicationName: 'substream-bench' });
  try {
    await migrateToLatest(db);
    await createBaseline(db);
    const store = createPostgresEventStore(db);
    const batchWriters = Number(process.env.BENCH_BATCH_WRITERS ?? 4);
    const batches = Number(process.env.BENCH_BATCHES ?? 100);
    const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

    // Warm up connections, plans and the JIT before measuring.
    await measure(4, 20, 1, appender(store, 'warmup', 1, 4, 20));
    await measure(2, 5, BATCH, appender(store, 'warmup-batch', BATCH, 2, 5));
    await measure(2, 5, BATCH, baselineInserter(db, 2, 5));

    const single1 = await measure(1, 500, 1, appender(store, 'single1', 1, 1, 500));
    const single16 = await measure(16, 100, 1, appender(store, 'single16', 1, 16, 100));
    // Batched and baseline alternate over several rounds (the median counts): a shared machine is noisy.
    const batchedRuns: number[] = [];
    const baselineRuns: number[] = [];
    for (let round = 0; round < rounds; round++) {
      batchedRuns.push(await measure(batchWriters, batches, BATCH, appender(store, `batched-${round}`, BATCH, batchWriters, batches)));
      baselineRuns.push(await measure(batchWriters, batches, BATCH, baselineInserter(db, batchWriters, batches)));
    }
    const batched = median(batchedRuns);
    const baseline = median(baselineRuns);
    const lines = [
      `| ${'append (events of ~450 bytes)'.padEnd(50)} | ${'events/s'.padStart(10)} | ${'ratio'.padEnd(22)} |`,
      `|${'-'.repeat(52)}|${'-'.repeat(12)}|${'-'.repeat(24)}|`,
      row('single-event appends, 1 writer', single1, `${(single1 / baseline * 100).toFixed(1)}% of baseline`),
      row('single-event appends, 16 writers', single16, `${(single16 / single1).toFixed(1)}× 1 writer`),
      row(`100-event batches, ${batchWriters} writers (median)`, batched, `${(batched / baseline * 100).toFixed(1)}% of baseline`),
      row(`baseline: bare table, unnest, ${batchWriters} writers (median)`, baseline, '100%'),
    ];
    console.log(lines.join('\n'));
    console.log(`\nrounds (events/s): batched ${batchedRuns.map(Math.round).join(', ')}; baseline ${baselineRuns.map(Math.round).join(', ')}`);
    console.log(`batched/baseline = ${(batched / baseline).toFixed(2)} (target ≥ 0.60); batched ${batched >= 100_000 ? 'meets' : 'misses'} the 100k events/s target`);
  } finally {
    await db.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await admin(`drop database if exists ${name} with (force)`);
  }
}
