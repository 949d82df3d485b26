import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../platform/schema.ts';

type Conn = Kysely<Database> | Transaction<Database>;

export interface Checkpoint {
  job: string;
  lastLedger: number;
  cursor: string | null;
}

/** A job as `indexer status` shows it: its checkpoint and, while its source fails, since when and why. */
export interface JobStatus extends Checkpoint {
  sourceFailingSince: Date | null;
  sourceError: string | null;
}

/** The live job tails the network; each historical replay has its own job and never moves it. */
export const LIVE_JOB = 'live';

/** `replay:<source>:<from>-<to>` */
export function replayJob(source: string, from: number, to: number): string {
  return `replay:${source}:${from}-${to}`;
}

/** @example const cp = await readCheckpoint(db, 'live'); // null before the first batch */
export async function readCheckpoint(conn: Conn, job: string): Promise<Checkpoint | null> {
  const row = await conn.selectFrom('indexer_checkpoints').select(['job', 'last_ledger', 'cursor']).where('job', '=', job).executeTakeFirst();
  return row ? { job: row.job, lastLedger: Number(row.last_ledger), cursor: row.cursor } : null;
}

/**
 * Moves the job's checkpoint to `toLedger` and records `[fromLedger, toLedger]` as processed,
 * merging it with the range it continues. Call it in the transaction that appended the events.
 */
export async function advanceCheckpoint(trx: Conn, job: string, fromLedger: number, toLedger: number, cursor: string | null): Promise<void> {
  await trx
    .insertInto('indexer_checkpoints')
    .values({ job, last_ledger: String(toLedger), cursor })
    .onConflict((oc) => oc.column('job').doUpdateSet({ last_ledger: String(toLedger), cursor, updated_at: sql`now()`, source_failing_since: null, source_error: null }))
    .execute();
  const extended = await trx
    .updateTable('indexer_ranges')
    .set({ to_ledger: sql`greatest(to_ledger, ${toLedger}::bigint)` })
    .where('job', '=', job)
    .where('to_ledger', '>=', String(fromLedger - 1))
    .where('from_ledger', '<=', String(fromLedger))
    .executeTakeFirst();
  if (Number(extended.numUpdatedRows) > 0) return;
  await trx
    .insertInto('indexer_ranges')
    .values({ job, from_ledger: String(fromLedger), to_ledger: String(toLedger) })
    .onConflict((oc) => oc.columns(['job', 'from_ledger']).doUpdateSet({ to_ledger: sql`greatest(indexer_ranges.to_ledger, excluded.to_ledger)` }))
    .execute();
}

export interface Gap {
  from: number;
  to: number;
}

/**
 * Holes between the first and last ledger processed: of one job, or of every job together
 * (what the store as a whole covers) when `job` is omitted.
 *
 * @example await gaps(db, 'live') // [{ from: 1200, to: 1299 }]
 */
export async function gaps(conn: Conn, job?: string): Promise<Gap[]> {
  const { rows } = await sql<{ from: string; to: string }>`
    with r as (select int8range(from_ledger, to_ledger, '[]') as r from indexer_ranges
               where ${job === undefined ? sql`true` : sql`job = ${job}`}),
         holes as (select unnest(int8multirange(int8range(min(lower(r)), max(upper(r)))) - range_agg(r)) as h from r having count(*) > 0)
    select lower(h)::text as from, (upper(h) - 1)::text as to from holes order by lower(h)`.execute(conn);
  return rows.map((r) => ({ from: Number(r.from), to: Number(r.to) }));
}

/** Every job with its checkpoint and its source's outage, if any. */
export async function listCheckpoints(conn: Conn): Promise<JobStatus[]> {
  const rows = await conn.selectFrom('indexer_checkpoints').select(['job', 'last_ledger', 'cursor', 'source_failing_since', 'source_error']).orderBy('job').execute();
  return rows.map((r) => ({ job: r.job, lastLedger: Number(r.last_ledger), cursor: r.cursor, sourceFailingSince: r.source_failing_since, sourceError: r.source_error }));
}

/**
 * Records that the job's source failed (the first failure's time is kept until a batch clears it,
 * see advanceCheckpoint). A job that has no checkpoint yet has nothing to report on.
 *
 * @example await recordSourceFailure(db, 'live', error.message);
 */
export async function recordSourceFailure(conn: Conn, job: string, error: string): Promise<void> {
  await conn
    .updateTable('indexer_checkpoints')
    .set({ source_failing_since: sql`coalesce(source_failing_since, now())`, source_error: error.slice(0, 500) })
    .where('job', '=', job)
    .execute();
}
