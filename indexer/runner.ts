import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { appendToStreams } from '../eventstore/postgres/append.ts';
import { lastAppended, type AppendObserver } from '../eventstore/observe-appends.ts';
import type { AppendResult, NewEvent, StreamAppend } from '../eventstore/types.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import { advanceCheckpoint, readCheckpoint, recordSourceFailure } from './checkpoints.ts';
import { decodeEvent, firstTopic, type DecodeOptions, type Malformed } from './decoders/decode.ts';
import { SourceUnavailable, SourceUnreachable, type LedgerBatch, type LedgerSource, type RawContractEvent } from './sources/types.ts';

export interface RunStats {
  ledgers: number;
  transactions: number;
  /** Operation-level contract events seen. */
  events: number;
  appended: number;
  duplicates: number;
  malformed: number;
  /** Events per first topic: the first `TOPICS_KEPT` topics seen, every later one under `(other)`. */
  byTopic: Record<string, number>;
  malformedByReason: Record<string, number>;
  /** The first malformed events, with their identity. */
  malformedSamples: Malformed[];
  /** Follow mode: polls that failed on an unreachable source and were retried. */
  pollFailures: number;
  /** Last ledger committed (or decoded, on a dry run); null when nothing was processed. */
  lastLedger: number | null;
}

export interface RunOptions {
  job: string;
  source: LedgerSource;
  from: number;
  /** Inclusive; omitted = follow the tip. */
  to?: number;
  decode: DecodeOptions;
  dryRun?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  /** Told, after each batch commits, the position of the last event it appended (the live feed's wake-up). */
  onAppended?: AppendObserver;
  /** Called after every batch with the running totals. */
  onProgress?: (stats: RunStats, batch: LedgerBatch) => void;
  /**
   * A batch holding more decoded appends than this is written in several transactions, each ending
   * at a ledger boundary with its own checkpoint (default 20,000): a 10,000-ledger window never
   * becomes one huge transaction.
   */
  maxEventsPerTransaction?: number;
  /** Follow mode polling: first delay and cap of the exponential backoff while the tip does not move. */
  pollMs?: number;
  maxPollMs?: number;
}

const MAX_EVENTS_PER_CALL = 5_000;
const MAX_EVENTS_PER_TRANSACTION = 20_000;

type Entry = { streamId: string; event: NewEvent };

/**
 * Cuts a decoded batch into pieces of about `limit` appends, each ending at a ledger boundary
 * (a ledger is never split); the last piece keeps the batch's cursor and transaction count.
 */
function piecesOf(batch: LedgerBatch, decoded: { ledger: number; entries: Entry[] }[], limit: number): { batch: LedgerBatch; entries: Entry[] }[] {
  const pieces: { batch: LedgerBatch; entries: Entry[] }[] = [];
  let from = batch.fromLedger;
  let events: RawContractEvent[] = [];
  let entries: Entry[] = [];
  decoded.forEach((d, i) => {
    events.push(batch.events[i]!);
    for (const entry of d.entries) entries.push(entry);
    const nextLedger = decoded[i + 1]?.ledger;
    if (entries.length >= limit && nextLedger !== undefined && nextLedger > d.ledger) {
      pieces.push({ batch: { fromLedger: from, toLedger: d.ledger, transactions: 0, events }, entries });
      from = d.ledger + 1;
      events = [];
      entries = [];
    }
  });
  pieces.push({ batch: { ...batch, fromLedger: from, events }, entries });
  return pieces;
}

/** Distinct topics `RunStats.byTopic` counts by name: topics are contract-chosen, a follow run sees no end of them. */
export const TOPICS_KEPT = 100;

function countTopic(byTopic: Record<string, number>, topic: string): void {
  const key = Object.hasOwn(byTopic, topic) || Object.keys(byTopic).length < TOPICS_KEPT ? topic : '(other)';
  byTopic[key] = (byTopic[key] ?? 0) + 1;
}

function emptyStats(): RunStats {
  return { ledgers: 0, transactions: 0, events: 0, appended: 0, duplicates: 0, malformed: 0, byTopic: Object.create(null) as Record<string, number>, malformedByReason: {}, malformedSamples: [], pollFailures: 0, lastLedger: null };
}

function groupByStream(entries: { streamId: string; event: NewEvent }[]): StreamAppend[][] {
  const calls: StreamAppend[][] = [];
  let streams = new Map<string, NewEvent[]>();
  let size = 0;
  const flush = () => {
    if (size > 0) calls.push([...streams].map(([streamId, events]) => ({ streamId, events, expectedRevision: 'any' as const })));
    streams = new Map();
    size = 0;
  };
  for (const { streamId, event } of entries) {
    if (size >= MAX_EVENTS_PER_CALL) flush();
    let list = streams.get(streamId);
    if (!list) streams.set(streamId, (list = []));
    list.push(event);
    size++;
  }
  flush();
  return calls;
}

/**
 * Reads ledger batches from a source, decodes them and, per batch, appends every event and moves
 * the job's checkpoint in one transaction, so a crash at any moment resumes without losing or
 * doubling anything (event ids are deterministic and appends idempotent). Resumes after the job's
 * checkpoint; with no `to` it follows the tip, polling with backoff, never skipping a ledger.
 *
 * `db` may be null for a dry run (decode and count only).
 *
 * @example const stats = await runIndexer(db, { job: 'live', source, from: 1000, decode });
 */
export async function runIndexer(db: Db | null, options: RunOptions): Promise<RunStats> {
  const stats = emptyStats();
  const { job, source, signal, logger } = options;
  const logged = new Set<string>();
  const dryRun = options.dryRun === true || db === null;
  const checkpoint = dryRun ? null : await readCheckpoint(db, job);
  let next = Math.max(options.from, (checkpoint?.lastLedger ?? -Infinity) + 1);
  if (checkpoint) logger?.info({ job, checkpoint: checkpoint.lastLedger, next }, 'resuming from checkpoint');
  let expected = next;
  let pending: Promise<void> = Promise.resolve();

  const write = async (batch: LedgerBatch, entries: Entry[]) => {
    if (dryRun) return;
    const results: AppendResult[] = [];
    await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`indexer:${job}`}))`.execute(trx);
      const current = await readCheckpoint(trx, job);
      if (current && current.lastLedger >= batch.toLedger) return;
      for (const call of groupByStream(entries)) {
        for (const result of await appendToStreams(trx, call)) {
          results.push(result);
          stats.appended += result.appended;
          stats.duplicates += result.alreadyStored.length;
        }
      }
      await advanceCheckpoint(trx, job, batch.fromLedger, batch.toLedger, batch.cursor ?? null);
    });
    const last = lastAppended(results);
    if (last) options.onAppended?.(last);
  };

  const onMalformed = (m: Malformed, event: RawContractEvent) => {
    stats.malformed++;
    stats.malformedByReason[m.reason] = (stats.malformedByReason[m.reason] ?? 0) + 1;
    if (stats.malformedSamples.length < 100) stats.malformedSamples.push(m);
    const kind = `${m.kind}:${m.reason}`;
    if (logged.has(kind)) return;
    logged.add(kind);
    logger?.warn({ job, kind: m.kind, reason: m.reason, key: m.key, contractId: m.contractId, ledger: event.ledger, message: m.message }, 'malformed contract event (logged once per kind)');
  };

  const learnedFrom = { job, source: source.name };
  const handle = async (batch: LedgerBatch) => {
    if (batch.fromLedger > expected) throw new Error(`source ${source.name} skipped ledgers ${expected}-${batch.fromLedger - 1}`);
    const decoded: { ledger: number; entries: Entry[] }[] = [];
    for (const event of batch.events) {
      if (event.stage === 'operation') {
        stats.events++;
        countTopic(stats.byTopic, firstTopic(event) ?? '(none)');
      }
      const result = decodeEvent(event, options.decode);
      if (result.malformed) onMalformed(result.malformed, event);
      // Where the fact was learned (the audit trail's "where"); not part of its identity: another source's copy is the same fact.
      for (const entry of result.appends) entry.event.metadata.indexer = learnedFrom;
      decoded.push({ ledger: event.ledger, entries: result.appends });
    }
    for (const piece of piecesOf(batch, decoded, options.maxEventsPerTransaction ?? MAX_EVENTS_PER_TRANSACTION)) {
      const counted = piece.batch.toLedger - Math.max(piece.batch.fromLedger, expected) + 1;
      expected = Math.max(expected, piece.batch.toLedger + 1);
      await pending;
      pending = write(piece.batch, piece.entries).then(() => {
        stats.ledgers += Math.max(0, counted);
        stats.transactions += piece.batch.transactions;
        stats.lastLedger = piece.batch.toLedger;
        next = piece.batch.toLedger + 1;
        options.onProgress?.(stats, piece.batch);
      });
      // Keep the next decode overlapping this write, but never let a failure go unobserved.
      pending.catch(() => undefined);
    }
  };

  const readRange = async (from: number, to: number) => {
    expected = from;
    try {
      for await (const batch of source.read({ from, to }, signal)) {
        if (signal?.aborted) break;
        await handle(batch);
        if (batch.toLedger >= to) break;
      }
    } catch (error) {
      // Let an in-flight write settle before anyone retries or closes the pool.
      await pending.catch(() => undefined);
      pending = Promise.resolve();
      throw error;
    }
    try {
      await pending;
    } finally {
      pending = Promise.resolve();
    }
  };

  if (options.to !== undefined) {
    if (next <= options.to) await readRange(next, options.to);
    return stats;
  }
  const pollMs = options.pollMs ?? 1_000;
  let delay = pollMs;
  while (!signal?.aborted) {
    const before = next;
    try {
      const latest = await source.latestLedger();
      if (latest >= next) await readRange(next, latest);
    } catch (error) {
      // A retention gap or a source that cannot work as configured ends follow mode; an outage
      // of any length (retries exhausted, network errors, 5xx) is waited out with capped backoff.
      if (error instanceof SourceUnavailable && !(error instanceof SourceUnreachable)) throw error;
      stats.pollFailures++;
      logger?.warn({ job, err: error, retryInMs: delay, failures: stats.pollFailures }, 'indexer source unavailable; retrying');
      // Reported while it lasts (indexer status, substream_indexer_source_failing_seconds); the next batch clears it.
      if (!dryRun) await recordSourceFailure(db, job, (error as Error)?.message ?? String(error)).catch(() => undefined);
    }
    delay = next > before ? pollMs : Math.min(delay * 2, options.maxPollMs ?? 30_000);
    await sleep(delay + Math.floor(Math.random() * delay * 0.1), undefined, { signal }).catch(() => undefined);
  }
  return stats;
}
