import { sql, type Transaction } from 'kysely';
import type { RecordedEvent } from '../../eventstore/types.ts';
import type { Database } from '../../platform/schema.ts';
import { selectColumns } from '../sql.ts';
import { ProjectionError, type Projector } from '../types.ts';
import { evolveSubscription, subscriptionKey, SUBSCRIPTION_EVENT_TYPES, type SubscriptionRow } from './fold.ts';

interface StoredRow {
  tenant_id: string;
  subscription_id: string;
  subscriber: string;
  creator: string;
  status: SubscriptionRow['status'];
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
}

/** Column list and SQL types, in one place for the load, the recordset and the upsert. */
export const COLUMNS: readonly (readonly [keyof StoredRow, string])[] = [
  ['tenant_id', 'text'], ['subscription_id', 'text'], ['subscriber', 'text'], ['creator', 'text'], ['status', 'text'],
  ['tier', 'text'], ['token', 'text'], ['rate_per_second', 'numeric'], ['total_billed', 'numeric'], ['bills_count', 'integer'],
  ['last_billed_at', 'timestamptz'], ['next_billing_at', 'timestamptz'], ['trial_ends_at', 'timestamptz'],
  ['grace_ends_at', 'timestamptz'], ['cancel_requested_at', 'timestamptz'], ['cancelled_at', 'timestamptz'],
  ['refund_amount', 'numeric'], ['tips_total', 'numeric'], ['confirmed_ledger', 'integer'], ['requested_at', 'timestamptz'],
  ['expires_at', 'timestamptz'], ['updated_at', 'timestamptz'],
];
const selectList = selectColumns(COLUMNS);
const recordType = sql.raw(COLUMNS.map(([name, type]) => `${name} ${type}`).join(', '));
const columnList = sql.raw(COLUMNS.map(([name]) => name).join(', '));
const updateList = sql.raw(COLUMNS.filter(([name]) => name !== 'subscription_id').map(([name]) => `${name} = excluded.${name}`).join(', '));

const big = (v: string | null): bigint | null => (v === null ? null : BigInt(v));

function fromStored(r: StoredRow): SubscriptionRow {
  return {
    tenantId: r.tenant_id, subscriptionId: r.subscription_id, subscriber: r.subscriber, creator: r.creator, status: r.status,
    tier: r.tier, token: r.token, ratePerSecond: big(r.rate_per_second), totalBilled: BigInt(r.total_billed), billsCount: r.bills_count,
    lastBilledAt: r.last_billed_at, nextBillingAt: r.next_billing_at, trialEndsAt: r.trial_ends_at, graceEndsAt: r.grace_ends_at,
    cancelRequestedAt: r.cancel_requested_at, cancelledAt: r.cancelled_at, refundAmount: BigInt(r.refund_amount),
    tipsTotal: BigInt(r.tips_total), confirmedLedger: r.confirmed_ledger, requestedAt: r.requested_at, expiresAt: r.expires_at,
    updatedAt: r.updated_at,
  };
}

function toStored(r: SubscriptionRow): StoredRow {
  return {
    tenant_id: r.tenantId, subscription_id: r.subscriptionId, subscriber: r.subscriber, creator: r.creator, status: r.status,
    tier: r.tier, token: r.token, rate_per_second: r.ratePerSecond?.toString() ?? null, total_billed: r.totalBilled.toString(),
    bills_count: r.billsCount, last_billed_at: r.lastBilledAt, next_billing_at: r.nextBillingAt, trial_ends_at: r.trialEndsAt,
    grace_ends_at: r.graceEndsAt, cancel_requested_at: r.cancelRequestedAt, cancelled_at: r.cancelledAt,
    refund_amount: r.refundAmount.toString(), tips_total: r.tipsTotal.toString(), confirmed_ledger: r.confirmedLedger,
    requested_at: r.requestedAt, expires_at: r.expiresAt, updated_at: r.updatedAt,
  };
}

/**
 * The `subscriptions` projector. `table` lets a rebuild (or a test) project into a fresh copy of
 * the table under another checkpoint name.
 *
 * @example const rebuild = createSubscriptionsProjector({ name: 'subscriptions-v2', table: 'subscriptions_v2' });
 */
export function createSubscriptionsProjector(options: { name?: string; table?: string; version?: number } = {}): Projector {
  const name = options.name ?? 'subscriptions';
  const table = sql.table(options.table ?? 'subscriptions');
  return {
    name,
    version: options.version ?? 1,
    handles: SUBSCRIPTION_EVENT_TYPES,
    async apply(trx: Transaction<Database>, events: RecordedEvent[]) {
      const keys = [...new Set(events.map((e) => {
        const d = e.data as { subscriber: string; creator: string };
        return subscriptionKey(d.subscriber, d.creator);
      }))];
      const { rows } = await sql<StoredRow>`select ${selectList} from ${table} where subscription_id = any(${keys}::text[])`.execute(trx);
      const state = new Map(rows.map((r) => [r.subscription_id, fromStored(r)]));
      for (const event of events) {
        try {
          const d = event.data as { subscriber: string; creator: string };
          const key = subscriptionKey(d.subscriber, d.creator);
          state.set(key, evolveSubscription(state.get(key), event));
        } catch (error) {
          throw new ProjectionError(name, event, error);
        }
      }
      const json = JSON.stringify([...state.values()].map(toStored));
      await sql`insert into ${table} (${columnList})
        select ${columnList} from jsonb_to_recordset(${json}::jsonb) as x(${recordType})
        on conflict (subscription_id) do update set ${updateList}`.execute(trx);
    },
    async reset(trx) {
      await sql`delete from ${table}`.execute(trx);
    },
  };
}

export const subscriptionsProjector: Projector = createSubscriptionsProjector();
