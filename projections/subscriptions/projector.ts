import { sql, type Transaction } from 'kysely';
import type { SubscriptionState } from '../../domain/subscription/state.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';
import type { Database } from '../../platform/schema.ts';
import { selectColumns } from '../sql.ts';
import { ProjectionError, tableFor, type Projector } from '../types.ts';
import { evolveSubscriptionRow, subscriptionKey, SUBSCRIPTION_EVENT_TYPES, type SubscriptionRow, type SubscriptionStatus } from './fold.ts';

export interface StoredRow {
  tenant_id: string;
  subscription_id: string;
  subscriber: string;
  creator: string;
  status: SubscriptionStatus;
  tier: string | null;
  token: string | null;
  rate_per_second: string | null;
  total_billed: string;
  bills_count: number;
  last_billed_at: string | null;
  next_billing_at: string | null;
  trial_ends_at: string | null;
  grace_ends_at: string | null;
  cancel_requested_at: string | null;
  cancelled_at: string | null;
  refund_amount: string;
  tips_total: string;
  confirmed_ledger: number | null;
  requested_at: string | null;
  expires_at: string | null;
  updated_at: string;
  status_fact_at: string | null;
  rate_fact_at: string | null;
  activated_at: string | null;
  plan_id: number | null;
  tips_count: number;
  rail: 'wallet' | 'card' | null;
  card_billed: Record<string, string>;
}

type Columns = readonly (readonly [keyof StoredRow, string])[];

/** The columns the API shows, with their SQL types (queries.ts selects these). */
export const COLUMNS: Columns = [
  ['tenant_id', 'text'], ['subscription_id', 'text'], ['subscriber', 'text'], ['creator', 'text'], ['status', 'text'],
  ['tier', 'text'], ['token', 'text'], ['rate_per_second', 'numeric'], ['total_billed', 'numeric'], ['bills_count', 'integer'],
  ['last_billed_at', 'timestamptz'], ['next_billing_at', 'timestamptz'], ['trial_ends_at', 'timestamptz'],
  ['grace_ends_at', 'timestamptz'], ['cancel_requested_at', 'timestamptz'], ['cancelled_at', 'timestamptz'],
  ['refund_amount', 'numeric'], ['tips_total', 'numeric'], ['confirmed_ledger', 'bigint'], ['requested_at', 'timestamptz'],
  ['expires_at', 'timestamptz'], ['updated_at', 'timestamptz'], ['rail', 'text'], ['card_billed', 'jsonb'],
];
/** Every column the projector loads and writes: the API's plus the rest of the domain state. */
const ALL_COLUMNS: Columns = [
  ...COLUMNS,
  ['status_fact_at', 'timestamptz'], ['rate_fact_at', 'timestamptz'], ['activated_at', 'timestamptz'], ['plan_id', 'bigint'],
  ['tips_count', 'integer'],
];
const selectList = selectColumns(ALL_COLUMNS);
const recordType = sql.raw(ALL_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', '));
const columnList = sql.raw(ALL_COLUMNS.map(([name]) => name).join(', '));
const updateList = sql.raw(ALL_COLUMNS.filter(([name]) => name !== 'subscription_id').map(([name]) => `${name} = excluded.${name}`).join(', '));

const big = (v: string | null): bigint | null => (v === null ? null : BigInt(v));

function fromStored(r: StoredRow): SubscriptionRow {
  const state: SubscriptionState = {
    status: r.status, subscriber: r.subscriber, creator: r.creator, tier: r.tier, token: r.token, ratePerSecond: big(r.rate_per_second),
    planId: r.plan_id, requestedAt: r.requested_at, expiresAt: r.expires_at, activatedAt: r.activated_at,
    totalBilled: BigInt(r.total_billed), billsCount: r.bills_count, lastBilledAt: r.last_billed_at, nextBillingAt: r.next_billing_at,
    trialEndsAt: r.trial_ends_at, graceEndsAt: r.grace_ends_at, cancelRequestedAt: r.cancel_requested_at, cancelledAt: r.cancelled_at,
    refundAmount: BigInt(r.refund_amount), tipsTotal: BigInt(r.tips_total), tipsCount: r.tips_count, statusFactAt: r.status_fact_at,
    rateFactAt: r.rate_fact_at, rail: r.rail,
    cardBilled: Object.fromEntries(Object.entries(r.card_billed ?? {}).map(([currency, amount]) => [currency, BigInt(amount)])),
  };
  return { state, confirmedLedger: r.confirmed_ledger, updatedAt: new Date(r.updated_at) };
}

/**
 * A folded row as the table stores it (the recordset the projector upserts; as-of reads show it
 * the same way); no refund yet is stored as 0.
 */
export function toStored(row: SubscriptionRow): StoredRow {
  const s = row.state;
  return {
    tenant_id: s.creator!, subscription_id: subscriptionKey(s.subscriber!, s.creator!), subscriber: s.subscriber!, creator: s.creator!,
    status: s.status, tier: s.tier, token: s.token, rate_per_second: s.ratePerSecond?.toString() ?? null,
    total_billed: s.totalBilled.toString(), bills_count: s.billsCount,
    last_billed_at: s.lastBilledAt, next_billing_at: s.nextBillingAt, trial_ends_at: s.trialEndsAt, grace_ends_at: s.graceEndsAt,
    cancel_requested_at: s.cancelRequestedAt, cancelled_at: s.cancelledAt, refund_amount: (s.refundAmount ?? 0n).toString(),
    tips_total: s.tipsTotal.toString(), confirmed_ledger: row.confirmedLedger, requested_at: s.requestedAt, expires_at: s.expiresAt,
    updated_at: row.updatedAt.toISOString(), status_fact_at: s.statusFactAt, rate_fact_at: s.rateFactAt, activated_at: s.activatedAt,
    plan_id: s.planId, tips_count: s.tipsCount, rail: s.rail,
    card_billed: Object.fromEntries(Object.entries(s.cardBilled).map(([currency, amount]) => [currency, amount.toString()])),
  };
}

interface Pair {
  subscriber: string;
  creator: string;
}

/**
 * A batch's rows by creator, then subscriber: the fold looks a row up by the two strings the
 * event carries instead of building and hashing a `${subscriber}-${creator}` key for every event.
 */
type BatchRows = Map<string, Map<string, SubscriptionRow | undefined>>;

/** Every pair the events name (rows still unknown) and their read-model keys. */
function pairsOf(events: RecordedEvent[]): { rows: BatchRows; keys: string[] } {
  const rows: BatchRows = new Map();
  const keys: string[] = [];
  for (const { data } of events) {
    const { subscriber, creator } = data as Pair;
    let bySubscriber = rows.get(creator);
    if (!bySubscriber) rows.set(creator, (bySubscriber = new Map()));
    if (bySubscriber.has(subscriber)) continue;
    bySubscriber.set(subscriber, undefined);
    keys.push(subscriptionKey(subscriber, creator));
  }
  return { rows, keys };
}

/**
 * The `subscriptions` projector. `table` lets a rebuild (or a test) project into a fresh copy of
 * the table under another checkpoint name.
 *
 * @example const rebuild = createSubscriptionsProjector({ name: 'subscriptions-v2', table: 'subscriptions_v2' });
 */
export function createSubscriptionsProjector(options: { name?: string; table?: string; version?: number } = {}): Projector {
  const name = options.name ?? 'subscriptions';
  const live = options.table ?? 'subscriptions';
  const table = sql.table(live);
  return {
    name,
    // 3: rail and card money per currency (migration 20261205070000-subscription-rail.ts).
    version: options.version ?? 3,
    handles: SUBSCRIPTION_EVENT_TYPES,
    metadataFor: ['SubscriptionActivated'],
    tables: [live],
    withTables: (tables, rebuildName) => createSubscriptionsProjector({ ...options, name: rebuildName, table: tableFor(tables, live) }),
    async apply(trx: Transaction<Database>, events: RecordedEvent[]) {
      const { rows, keys } = pairsOf(events);
      const loaded = await sql<StoredRow>`select ${selectList} from ${table} where subscription_id = any(${keys}::text[])`.execute(trx);
      for (const r of loaded.rows) rows.get(r.creator)!.set(r.subscriber, fromStored(r));
      for (const event of events) {
        const { subscriber, creator } = event.data as Pair;
        const bySubscriber = rows.get(creator)!;
        try {
          bySubscriber.set(subscriber, evolveSubscriptionRow(bySubscriber.get(subscriber), event));
        } catch (error) {
          throw new ProjectionError(name, event, error);
        }
      }
      const json = JSON.stringify([...rows.values()].flatMap((bySubscriber) => [...bySubscriber.values()].map((row) => toStored(row!))));
      await sql`insert into ${table} (${columnList})
        select ${columnList} from jsonb_to_recordset(${json}::jsonb) as x(${recordType})
        on conflict (subscription_id) do update set ${updateList}`.execute(trx);
    },
  };
}

export const subscriptionsProjector: Projector = createSubscriptionsProjector();
