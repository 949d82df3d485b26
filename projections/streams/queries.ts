import { sql } from 'kysely';
import { depletionAt, refundOnCancel, streamed, unixSeconds, withdrawable, type Schedule } from '../../domain/stream/math.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { selectColumns } from '../sql.ts';
import type { Conn } from '../types.ts';
import { COLUMNS, type StoredStream } from './projector.ts';

/** A payment stream as the API shows it at one moment: stroops as decimal strings, times as ISO. */
export interface StreamView {
  id: string;
  contractId: string;
  onchainId: string;
  sender: string | null;
  receiver: string | null;
  token: string | null;
  status: 'active' | 'paused' | 'cancelled';
  /** `scheduled` before the start (or cliff), `streaming`, `completed` after the end, `cancelled`. */
  phase: 'scheduled' | 'streaming' | 'completed' | 'cancelled';
  at: string;
  deposited: string;
  streamed: string;
  withdrawn: string;
  withdrawable: string;
  /** Still held by the contract for this stream. */
  remaining: string;
  refunded: string;
  /** What a cancellation at `at` would pay each side (null once cancelled). */
  cancelSplit: { toReceiver: string; toSender: string } | null;
  pendingWithdrawal: string | null;
  startAt: string | null;
  cliffAt: string | null;
  endAt: string | null;
  depletesAt: string | null;
  memo: string | null;
  createdAt: string | null;
  cancelRequestedAt: string | null;
  cancelledAt: string | null;
  createdLedger: number | null;
  createdTx: string | null;
  updatedAt: string;
}

const selectList = selectColumns(COLUMNS);
const isoOf = (seconds: bigint): string => new Date(Number(seconds) * 1000).toISOString();

/**
 * The amounts of a stored stream at `at` (unix seconds), from the domain's math. A cancelled stream
 * is frozen at its cancellation: what streamed is what the receiver got.
 */
export function viewAt(r: StoredStream, at: bigint): StreamView {
  const deposited = BigInt(r.deposited);
  const withdrawn = BigInt(r.withdrawn);
  const refunded = BigInt(r.refunded);
  const s: Schedule | null = r.start_at && r.end_at
    ? { start: unixSeconds(r.start_at), cliff: r.cliff_at === null ? null : unixSeconds(r.cliff_at), end: unixSeconds(r.end_at), deposited }
    : null;
  const cancelled = r.status === 'cancelled';
  let streamedNow = 0n;
  let available = 0n;
  let phase: StreamView['phase'] = cancelled ? 'cancelled' : 'scheduled';
  if (cancelled) {
    streamedNow = deposited - refunded;
  } else if (s) {
    streamedNow = streamed(s, at);
    available = withdrawable(s, withdrawn, at);
    phase = at >= s.end ? 'completed' : streamedNow > 0n || (at >= s.start && (s.cliff === null || at >= s.cliff)) ? 'streaming' : 'scheduled';
  }
  const split = !cancelled && s ? refundOnCancel(s, withdrawn, at) : null;
  return {
    id: r.id, contractId: r.contract_id, onchainId: r.onchain_id, sender: r.sender, receiver: r.receiver, token: r.token,
    status: r.status, phase, at: isoOf(at), deposited: r.deposited, streamed: streamedNow.toString(), withdrawn: r.withdrawn,
    withdrawable: available.toString(), remaining: cancelled ? '0' : (deposited - withdrawn).toString(), refunded: r.refunded,
    cancelSplit: split && { toReceiver: split.toReceiver.toString(), toSender: split.toSender.toString() },
    pendingWithdrawal: r.pending_withdrawal, startAt: r.start_at, cliffAt: r.cliff_at, endAt: r.end_at,
    depletesAt: s && !cancelled ? isoOf(depletionAt(s)) : null, memo: r.memo, createdAt: r.created_at,
    cancelRequestedAt: r.cancel_requested_at, cancelledAt: r.cancelled_at, createdLedger: r.created_ledger, createdTx: r.created_tx,
    updatedAt: r.updated_at,
  };
}

/**
 * One stream by its public id (`<contractId>-<onchainId>`) at `at` (unix seconds), if the read scope may see it.
 *
 * @example const view = await withReadScope(db, { wallet }, (trx) => getStream(trx, 'CA…-42', 1767225600n));
 */
export async function getStream(conn: Conn, id: string, at: bigint): Promise<StreamView | undefined> {
  const { rows } = await sql<StoredStream>`select ${selectList} from streams where id = ${id}`.execute(conn);
  return rows[0] && viewAt(rows[0], at);
}

export interface StreamFilter {
  sender?: string;
  receiver?: string;
  status?: StoredStream['status'];
  cursor?: string;
  limit: number;
}

/**
 * The streams the read scope may see, filtered and ordered by id, with keyset pagination.
 *
 * @example const page = await withReadScope(db, { wallet }, (trx) => listStreams(trx, { sender: wallet, limit: 50 }, now));
 */
export async function listStreams(conn: Conn, filter: StreamFilter, at: bigint): Promise<{ items: StreamView[]; nextCursor: string | null }> {
  const limit = Math.max(1, Math.min(filter.limit, 500));
  const after = filter.cursor ? decodeCursor(filter.cursor) : null;
  const { rows } = await sql<StoredStream>`
    select ${selectList} from streams
    where true
      ${filter.sender ? sql`and sender = ${filter.sender}` : sql``}
      ${filter.receiver ? sql`and receiver = ${filter.receiver}` : sql``}
      ${filter.status ? sql`and status = ${filter.status}` : sql``}
      ${after !== null ? sql`and id > ${after}` : sql``}
    order by id
    limit ${limit + 1}`.execute(conn);
  const items = rows.slice(0, limit).map((r) => viewAt(r, at));
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.id) : null };
}

export interface StreamStatsRow {
  status: StoredStream['status'];
  token: string | null;
  count: number;
  deposited: string;
  withdrawn: string;
  refunded: string;
}

/**
 * Counts and volumes (stroops as decimal strings) by status and token, over the streams the read
 * scope may see.
 *
 * @example const rows = await withReadScope(db, { wallet }, (trx) => streamStats(trx));
 */
export async function streamStats(conn: Conn): Promise<StreamStatsRow[]> {
  const { rows } = await sql<{ status: StoredStream['status']; token: string | null; count: string; deposited: string; withdrawn: string; refunded: string }>`
    select status, token, count(*)::text as count, sum(deposited)::text as deposited, sum(withdrawn)::text as withdrawn, sum(refunded)::text as refunded
    from streams group by status, token order by status, token`.execute(conn);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/**
 * Streams the read scope may see whose sender, receiver, token or id equals `q`, whose on-chain
 * id is `q`, or whose memo contains it (case-insensitive), by id.
 *
 * @example const hits = await withReadScope(db, { wallet }, (trx) => searchStreams(trx, 'salary', 20, now));
 */
export async function searchStreams(conn: Conn, q: string, limit: number, at: bigint): Promise<StreamView[]> {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await sql<StoredStream>`
    select ${selectList} from streams
    where sender = ${q} or receiver = ${q} or token = ${q} or id = ${q} or onchain_id = ${q} or memo ilike ${pattern}
    order by id limit ${limit}`.execute(conn);
  return rows.map((r) => viewAt(r, at));
}
