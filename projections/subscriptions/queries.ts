import { sql } from 'kysely';
import type { ScopedQuery } from '../read-scope.ts';
import { selectColumns } from '../sql.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { Conn } from '../types.ts';
import { COLUMNS } from './projector.ts';
import type { SubscriptionStatus } from './fold.ts';

/** A subscription as the API shows it: money as decimal strings of stroops, times as ISO strings. */
export interface Subscription {
  subscriptionId: string;
  tenantId: string;
  subscriber: string;
  creator: string;
  status: SubscriptionStatus;
  tier: string | null;
  token: string | null;
  ratePerSecond: string | null;
  totalBilled: string;
  billsCount: number;
  lastBilledAt: string | null;
  nextBillingAt: string | null;
  trialEndsAt: string | null;
  graceEndsAt: string | null;
  cancelRequestedAt: string | null;
  cancelledAt: string | null;
  refundAmount: string;
  tipsTotal: string;
  confirmedLedger: number | null;
  requestedAt: string | null;
  expiresAt: string | null;
  updatedAt: string;
  rail: 'wallet' | 'card' | null;
  /** Card money billed per ISO 4217 currency, minor units as decimal strings. */
  cardBilled: Record<string, string>;
}

/** Every column under its API name: rows arrive as `Subscription`s. */
const selectList = selectColumns(COLUMNS, { camelCase: true });

/**
 * One subscription by id (`${subscriber}-${creator}`), if the read scope may see it, as one query.
 *
 * @example const sub = await readInScope(db, { wallet }, subscriptionById(`${wallet}-${creator}`));
 */
export function subscriptionById(subscriptionId: string): ScopedQuery<Subscription, Subscription | undefined> {
  return {
    query: sql`select ${selectList} from subscriptions where subscription_id = ${subscriptionId}`,
    result: (rows) => rows[0],
  };
}

/**
 * One subscription by id, if the read scope may see it.
 *
 * @example const sub = await withReadScope(db, { wallet }, (trx) => getSubscription(trx, `${wallet}-${creator}`));
 */
export async function getSubscription(conn: Conn, subscriptionId: string): Promise<Subscription | undefined> {
  const read = subscriptionById(subscriptionId);
  return read.result((await read.query.execute(conn)).rows);
}

/**
 * Every subscription of one wallet across creators (the wallet policy lets a subscriber see them), as one query.
 *
 * @example const mine = await readInScope(db, { wallet }, walletSubscriptions(wallet));
 */
export function walletSubscriptions(wallet: string): ScopedQuery<Subscription, Subscription[]> {
  return {
    query: sql`select ${selectList} from subscriptions where subscriber = ${wallet} order by subscription_id`,
    result: (rows) => rows,
  };
}

/**
 * Every subscription of one wallet across creators.
 *
 * @example const mine = await withReadScope(db, { wallet }, (trx) => listWalletSubscriptions(trx, wallet));
 */
export async function listWalletSubscriptions(conn: Conn, wallet: string): Promise<Subscription[]> {
  const read = walletSubscriptions(wallet);
  return read.result((await read.query.execute(conn)).rows);
}

export interface SubscriberPage {
  items: Subscription[];
  nextCursor: string | null;
}

/**
 * The current tenant's subscribers (`app.current_tenant_id` of the read scope), ordered by
 * subscriber, with keyset pagination: pass the returned `nextCursor` to get the next page.
 *
 * @example const page = await withReadScope(db, { tenantId }, (trx) => listSubscribers(trx, { status: 'active', limit: 50 }));
 */
export async function listSubscribers(
  conn: Conn,
  options: { status?: SubscriptionStatus; cursor?: string | null; limit: number },
): Promise<SubscriberPage> {
  const limit = Math.max(1, Math.min(options.limit, 500));
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const { rows } = await sql<Subscription>`
    select ${selectList} from subscriptions
    where tenant_id = current_setting('app.current_tenant_id', true)
      ${options.status ? sql`and status = ${options.status}` : sql``}
      ${after !== null ? sql`and subscription_id > ${after}` : sql``}
    order by subscription_id
    limit ${limit + 1}`.execute(conn);
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? encodeCursor(items[items.length - 1]!.subscriptionId) : null;
  return { items, nextCursor };
}
