import { sql } from 'kysely';
import { contentAccess, type AccessReason, type Viewer } from '../../domain/content/access.ts';
import { subscribedTier } from '../../domain/content/subscribed-tier.ts';
import type { TierName } from '../../domain/creator/events.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { getCreator } from '../creators/queries.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { selectColumns } from '../sql.ts';
import { getSubscription } from '../subscriptions/queries.ts';
import type { Conn } from '../types.ts';
import { CONTENT_COLUMNS, type ContentRow } from './projector.ts';

/** A content item as stored (the url is null once deleted). */
export interface Content {
  contentId: string;
  creator: string;
  title: string;
  minTier: TierName;
  url: string | null;
  status: 'published' | 'deleted';
  publishedAt: string;
  updatedAt: string;
}

/** A content item as one caller sees it: `url` only when `accessible`. */
export interface GatedContent extends Content {
  accessible: boolean;
  reason: AccessReason;
}

/** Who asks: null for an anonymous caller. */
export type Caller = { address: string; tenant: string | undefined } | null;

const selectList = selectColumns(CONTENT_COLUMNS);
const KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f-]{36})$/;

function toContent(r: ContentRow): Content {
  return {
    contentId: r.content_id, creator: r.creator, title: r.title, minTier: r.min_tier, url: r.url, status: r.status,
    publishedAt: r.published_at, updatedAt: r.updated_at,
  };
}

/**
 * What a caller is to a creator: anonymous, the creator itself (owner), or a wallet with its
 * subscription (status and the tier its rate pays for; status `none` without one). Reads the
 * caller's own subscription through the wallet policy: call inside `{ wallet: caller.address }`.
 *
 * @example const viewer = await withReadScope(db, { wallet }, (trx) => viewerOf(trx, creator, { address: wallet, tenant: undefined }));
 */
export async function viewerOf(conn: Conn, creator: string, caller: Caller): Promise<Viewer> {
  if (caller === null) return { kind: 'anonymous' };
  if (caller.address === creator || caller.tenant === creator) return { kind: 'owner' };
  const subscription = await getSubscription(conn, `${caller.address}-${creator}`);
  if (!subscription) return { kind: 'subscriber', status: 'none', tier: null };
  const tiers = (await getCreator(conn, creator))?.tiers ?? [];
  const plan = { tier: subscription.tier, token: subscription.token, ratePerSecond: subscription.ratePerSecond === null ? null : BigInt(subscription.ratePerSecond) };
  return { kind: 'subscriber', status: subscription.status, tier: subscribedTier(tiers, plan) };
}

/**
 * The item as `viewer` may see it: the url is withheld (null) unless access is allowed.
 *
 * @example gate(item, { kind: 'anonymous' }) // { ...item, url: null, accessible: false, reason: 'ANONYMOUS' }
 */
export function gate(item: Content, viewer: Viewer): GatedContent {
  const { allowed, reason } = contentAccess(item.minTier, viewer);
  return { ...item, url: allowed ? item.url : null, accessible: allowed, reason };
}

/**
 * One content item, if the read scope may see it (published items are public, the creator's
 * tenant scope also sees its deleted ones).
 *
 * @example const item = await withReadScope(db, {}, (trx) => getContent(trx, contentId));
 */
export async function getContent(conn: Conn, contentId: string): Promise<Content | undefined> {
  const { rows } = await sql<ContentRow>`select ${selectList} from content where content_id = ${contentId}`.execute(conn);
  return rows[0] && toContent(rows[0]);
}

/**
 * A creator's published content, newest first, keyset-paginated on (publishedAt, contentId).
 *
 * @example const page = await withReadScope(db, {}, (trx) => listCreatorContent(trx, creator, { limit: 50 }));
 */
export async function listCreatorContent(conn: Conn, creator: string, page: { cursor?: string; limit: number }): Promise<{ items: Content[]; nextCursor: string | null }> {
  let after: RegExpExecArray | null = null;
  if (page.cursor) {
    after = KEY.exec(decodeCursor(page.cursor));
    // The shape alone lets through impossible times (month 99) that PostgreSQL would refuse.
    const at = after && new Date(after[1]!);
    if (!after || !at || Number.isNaN(at.getTime()) || at.toISOString() !== after[1] || after[1]! < '0001') {
      throw new DomainError('PAGINATION.INVALID_CURSOR', 'the cursor is not valid');
    }
  }
  const { rows } = await sql<ContentRow>`
    select ${selectList} from content
    where tenant_id = ${creator} and status = 'published'
      ${after ? sql`and (published_at, content_id) < (${after[1]}::timestamptz, ${after[2]})` : sql``}
    order by published_at desc, content_id desc
    limit ${page.limit + 1}`.execute(conn);
  const items = rows.slice(0, page.limit).map(toContent);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(`${last.publishedAt}|${last.contentId}`) : null };
}
