import { sql } from 'kysely';
import { statusAt, type InvoiceLinkStatus } from '../../domain/invoice-link/state.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { selectColumns } from '../sql.ts';
import type { Conn } from '../types.ts';
import { COLUMNS, type StoredInvoiceLink } from './projector.ts';

/** An invoice link as stored, its status taken at `now` (DRAFT/SIGNED past `expiresAt` read EXPIRED). */
export interface InvoiceLink {
  id: string;
  slug: string;
  status: InvoiceLinkStatus;
  creator: string;
  receiver: string;
  token: string;
  amount: string;
  durationSeconds: number;
  description: string | null;
  pdfUrl: string | null;
  payer: string | null;
  txHash: string | null;
  completedStream: string | null;
  expiresAt: string;
  createdAt: string;
}

const selectList = selectColumns(COLUMNS);

function toLink(r: StoredInvoiceLink, now: string): InvoiceLink {
  return {
    id: r.id, slug: r.slug, status: statusAt({ status: r.status, expiresAt: r.expires_at }, now) as InvoiceLinkStatus, creator: r.creator,
    receiver: r.receiver, token: r.token, amount: r.amount, durationSeconds: r.duration_seconds, description: r.description,
    pdfUrl: r.pdf_url, payer: r.payer, txHash: r.tx_hash, completedStream: r.completed_stream, expiresAt: r.expires_at,
    createdAt: r.created_at,
  };
}

/**
 * A link by its slug through the public policy (`app.current_slug`): call inside an empty read scope.
 *
 * @example const link = await withReadScope(db, {}, (trx) => getInvoiceLinkBySlug(trx, slug, now));
 */
export async function getInvoiceLinkBySlug(conn: Conn, slug: string, now: string): Promise<InvoiceLink | undefined> {
  await sql`select set_config('app.current_slug', ${slug}, true)`.execute(conn);
  const { rows } = await sql<StoredInvoiceLink>`select ${selectList} from invoice_links where slug = ${slug}`.execute(conn);
  return rows[0] && toLink(rows[0], now);
}

/** A link by id, if the read scope may see it (its creator or payer). */
export async function getInvoiceLink(conn: Conn, id: string, now: string): Promise<InvoiceLink | undefined> {
  const { rows } = await sql<StoredInvoiceLink>`select ${selectList} from invoice_links where id = ${id}`.execute(conn);
  return rows[0] && toLink(rows[0], now);
}

/**
 * The statement behind `listOwnInvoiceLinks`: up to `limit` links `wallet` made or signed as payer
 * after the id `after`, by id (served by the creator and payer indexes, not a scan of every tenant's links).
 *
 * @example await sql`explain ${ownInvoiceLinksQuery(wallet, null, 51)}`.execute(trx);
 */
export function ownInvoiceLinksQuery(wallet: string, after: string | null, limit: number) {
  return sql<StoredInvoiceLink>`
    select ${selectList} from invoice_links
    where (creator = ${wallet} or payer = ${wallet}) and status <> 'DELETED' ${after !== null ? sql`and id > ${after}` : sql``}
    order by id limit ${limit}`;
}

/**
 * The links `wallet` made or signed as payer (deleted ones left out), by id, keyset-paginated.
 *
 * @example const page = await withReadScope(db, { wallet }, (trx) => listOwnInvoiceLinks(trx, wallet, { limit: 50 }, now));
 */
export async function listOwnInvoiceLinks(conn: Conn, wallet: string, page: { cursor?: string; limit: number }, now: string) {
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  const { rows } = await ownInvoiceLinksQuery(wallet, after, page.limit + 1).execute(conn);
  const items = rows.slice(0, page.limit).map((r) => toLink(r, now));
  return { items, nextCursor: rows.length > page.limit ? encodeCursor(items[items.length - 1]!.id) : null };
}
