import { sql } from 'kysely';
import { gaps, type Gap } from '../../indexer/checkpoints.ts';
import type { Conn } from '../types.ts';

/** The ledger of a stored chain fact: the expression `events_chain_ledger_idx` indexes (facts only). */
const LEDGER = sql`(metadata->'chain'->>'ledger')::bigint`;

interface LedgerTime {
  ledger: number;
  closedAt: Date;
}

async function oneFact(conn: Conn, where: ReturnType<typeof sql>, order: 'asc' | 'desc'): Promise<LedgerTime | null> {
  const { rows } = await sql<{ ledger: string; closed_at: string }>`
    select ${LEDGER}::text as ledger, metadata->'chain'->>'ledgerClosedAt' as closed_at from events
    where metadata ? 'chain' and ${where}
    order by ${LEDGER} ${sql.raw(order)} limit 1`.execute(conn);
  const row = rows[0];
  return row ? { ledger: Number(row.ledger), closedAt: new Date(row.closed_at) } : null;
}

/**
 * The last ledger at or below `ledger` that a stored chain fact shows, with its close time (one
 * index lookup), or null when no fact is that old.
 *
 * @example const last = await lastFactAtOrBefore(db, 1200); // { ledger: 1198, closedAt }
 */
export function lastFactAtOrBefore(conn: Conn, ledger: number): Promise<LedgerTime | null> {
  return oneFact(conn, sql`${LEDGER} <= ${ledger}`, 'desc');
}

/**
 * The ledgers around a chain time as stored facts show them: the last that closed at or before it
 * and the first after that one. Close times grow with ledgers, so the last one at or before the
 * time is found by bisecting the ledger range between the oldest and newest fact, one index
 * lookup per step (at most ~32 for any log), whatever the time and the size of the log.
 *
 * @example const { before, after } = await factsAround(db, new Date('2026-12-01T00:00:00Z'));
 */
export async function factsAround(conn: Conn, time: Date): Promise<{ before: LedgerTime | null; after: LedgerTime | null }> {
  const first = await oneFact(conn, sql`true`, 'asc');
  if (!first || first.closedAt > time) return { before: null, after: first };
  const last = (await oneFact(conn, sql`true`, 'desc'))!;
  if (last.closedAt <= time) return { before: last, after: null };
  // The fact at or below `low` closed at or before `time`; the one at or below `high` after it.
  let [low, high] = [first.ledger, last.ledger];
  while (high - low > 1) {
    const middle = low + Math.floor((high - low) / 2);
    if ((await lastFactAtOrBefore(conn, middle))!.closedAt <= time) low = middle;
    else high = middle;
  }
  const before = (await lastFactAtOrBefore(conn, low))!;
  const after = await oneFact(conn, sql`${LEDGER} > ${before.ledger}`, 'asc');
  return { before, after };
}

/** Whether the indexer processed every ledger up to a bound, and the holes at or below it. */
export interface Coverage {
  complete: boolean;
  gaps: Gap[];
}

/**
 * Whether the indexer (every job together) processed every ledger from its first up to `ledger`:
 * some job reached it and no hole lies at or below it. Null (a bound no ledger can be shown to
 * cover) is incomplete. Holes are reported whatever the answer.
 *
 * @example const { complete } = await coverageUpTo(db, 1200);
 */
export async function coverageUpTo(conn: Conn, ledger: number | null): Promise<Coverage> {
  const holes = (await gaps(conn)).filter((g) => ledger === null || g.from <= ledger);
  if (ledger === null) return { complete: false, gaps: holes };
  const reached = await processedTip(conn);
  return { complete: reached !== null && reached >= ledger && holes.length === 0, gaps: holes };
}

/**
 * The highest ledger the indexer processed (every job together), or null before any.
 *
 * @example const tip = await processedTip(db);
 */
export async function processedTip(conn: Conn): Promise<number | null> {
  const { rows } = await sql<{ to: string | null }>`select max(to_ledger)::text as to from indexer_ranges`.execute(conn);
  return rows[0]?.to == null ? null : Number(rows[0].to);
}
