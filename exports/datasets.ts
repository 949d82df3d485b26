import { sql, type RawBuilder } from 'kysely';
import type { ExportRow } from './encode.ts';

export const DATASETS = ['subscribers', 'billing', 'streams', 'invoice-links', 'view-events'] as const;
/** Datasets of totals with no time of their own: an export of one takes no range. */
export const TIMELESS_DATASETS: readonly Dataset[] = ['view-events'];
export type Dataset = (typeof DATASETS)[number];

/** The optional time range of an export: rows whose dataset time is in [from, to). */
export interface ExportRange {
  from: Date | null;
  to: Date | null;
}

interface DatasetQuery {
  /** The columns of every row, in file order. */
  columns: readonly string[];
  /** The rows in a stable order, every value as text; row-level security limits them to the tenant. */
  query(range: ExportRange): RawBuilder<ExportRow>;
}

/** A timestamp as ISO 8601 UTC with milliseconds, as the API writes them. */
const iso = (column: string) => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

function within(column: string, { from, to }: ExportRange) {
  const time = sql.raw(column);
  return sql`(${from === null ? sql`true` : sql`${time} >= ${from}`}) and (${to === null ? sql`true` : sql`${time} < ${to}`})`;
}

/**
 * What each dataset holds. Amounts are `numeric` read as text (exact stroops, never a float) next
 * to the token (contract address) they are counted in.
 */
export const DATASET_QUERIES: Record<Dataset, DatasetQuery> = {
  subscribers: {
    columns: ['subscriptionId', 'subscriber', 'status', 'tier', 'token', 'ratePerSecond', 'totalBilled', 'billsCount', 'tipsTotal', 'refundAmount', 'requestedAt', 'activatedAt', 'lastBilledAt', 'nextBillingAt', 'cancelledAt', 'updatedAt'],
    query: (range) => sql<ExportRow>`
      select subscription_id as "subscriptionId", subscriber, status, tier, token, rate_per_second::text as "ratePerSecond",
        total_billed::text as "totalBilled", bills_count::text as "billsCount", tips_total::text as "tipsTotal", refund_amount::text as "refundAmount",
        ${iso('requested_at')} as "requestedAt", ${iso('activated_at')} as "activatedAt", ${iso('last_billed_at')} as "lastBilledAt",
        ${iso('next_billing_at')} as "nextBillingAt", ${iso('cancelled_at')} as "cancelledAt", ${iso('updated_at')} as "updatedAt"
      from subscriptions where ${within('updated_at', range)} order by subscription_id`,
  },
  billing: {
    columns: ['day', 'metric', 'token', 'amount', 'events'],
    query: (range) => sql<ExportRow>`
      select day::text as day, metric, token, amount::text as amount, events::text as events
      from analytics_daily_amounts where ${within('day', range)} order by day, metric, token nulls first`,
  },
  streams: {
    columns: ['id', 'contractId', 'onchainId', 'sender', 'receiver', 'token', 'status', 'deposited', 'withdrawn', 'refunded', 'startAt', 'endAt', 'createdAt', 'cancelledAt', 'updatedAt'],
    query: (range) => sql<ExportRow>`
      select id, contract_id as "contractId", onchain_id as "onchainId", sender, receiver, token, status,
        deposited::text as deposited, withdrawn::text as withdrawn, refunded::text as refunded,
        ${iso('start_at')} as "startAt", ${iso('end_at')} as "endAt", ${iso('created_at')} as "createdAt",
        ${iso('cancelled_at')} as "cancelledAt", ${iso('updated_at')} as "updatedAt"
      from streams where ${within('coalesce(created_at, updated_at)', range)} order by id`,
  },
  'invoice-links': {
    columns: ['id', 'slug', 'receiver', 'token', 'amount', 'durationSeconds', 'description', 'status', 'payer', 'txHash', 'expiresAt', 'createdAt', 'updatedAt'],
    query: (range) => sql<ExportRow>`
      select id, slug, receiver, token, amount::text as amount, duration_seconds::text as "durationSeconds", description, status, payer,
        tx_hash as "txHash", ${iso('expires_at')} as "expiresAt", ${iso('created_at')} as "createdAt", ${iso('updated_at')} as "updatedAt"
      from invoice_links where ${within('created_at', range)} order by created_at, id`,
  },
  'view-events': {
    // Watched seconds and views per content and second of playback, as the analytics heatmap sums
    // recorded view events; viewers are not identified. Totals: no range applies.
    columns: ['contentId', 'positionSecond', 'watchedSeconds', 'views'],
    query: () => sql<ExportRow>`
      select content_id as "contentId", position_second::text as "positionSecond", watched_seconds::text as "watchedSeconds", views::text as views
      from analytics_view_heatmap order by content_id, position_second`,
  },
};
