import { sql } from 'kysely';
import type { EventStore, RecordedEvent } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import { evolveCreator, type CreatorRow } from '../../projections/creators/projector.ts';
import { evolveStreamRow, streamKey } from '../../projections/streams/projector.ts';
import { evolveSubscriptionRow, subscriptionKey, type SubscriptionRow } from '../../projections/subscriptions/fold.ts';

/** A read-model row as text: every value the way PostgreSQL prints it (timestamps as ISO with ms, numbers in decimal). */
export type TextRow = Record<string, string | null>;

/** JSON with object keys sorted: jsonb does not keep the order they were written in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v);
}

const text = (v: bigint | number | string | null): string | null => (v === null ? null : String(v));
/** A timestamptz value: the instant, whatever ISO shape the event carried it in. */
const instant = (v: string | null): string | null => (v === null ? null : new Date(Date.parse(v)).toISOString());

/** What the `subscriptions` row must hold after the fold of its stream (the domain's evolve). */
function subscriptionRow(row: SubscriptionRow): TextRow {
  const s = row.state;
  return {
    tenant_id: s.creator, subscription_id: subscriptionKey(s.subscriber!, s.creator!), subscriber: s.subscriber, creator: s.creator,
    status: s.status, tier: s.tier, token: s.token, rate_per_second: text(s.ratePerSecond), total_billed: text(s.totalBilled),
    bills_count: text(s.billsCount), last_billed_at: instant(s.lastBilledAt), next_billing_at: instant(s.nextBillingAt),
    trial_ends_at: instant(s.trialEndsAt), grace_ends_at: instant(s.graceEndsAt), cancel_requested_at: instant(s.cancelRequestedAt),
    cancelled_at: instant(s.cancelledAt), refund_amount: text(s.refundAmount ?? 0n), tips_total: text(s.tipsTotal),
    tips_count: text(s.tipsCount), confirmed_ledger: text(row.confirmedLedger), requested_at: instant(s.requestedAt),
    expires_at: instant(s.expiresAt), updated_at: row.updatedAt.toISOString(), status_fact_at: instant(s.statusFactAt),
    rate_fact_at: instant(s.rateFactAt), activated_at: instant(s.activatedAt), plan_id: text(s.planId),
    rail: s.rail, card_billed: canonicalJson(Object.fromEntries(Object.entries(s.cardBilled).map(([currency, amount]) => [currency, amount.toString()]))),
  };
}

type StreamFold = ReturnType<typeof evolveStreamRow>;

/** What the `streams` row must hold after the fold of its stream, or null when the model shows no row. */
function streamRow(row: StreamFold): TextRow | null {
  const s = row.state;
  if (s.contractId === null || s.streamId === null || s.status === 'none') return null;
  return {
    tenant_id: s.receiver ?? 'unknown-receiver', id: streamKey(s.contractId, s.streamId), contract_id: s.contractId, onchain_id: s.streamId,
    sender: s.sender, receiver: s.receiver, token: s.token, status: s.status, deposited: text(s.deposited), withdrawn: text(s.withdrawn),
    refunded: text(s.refunded), pending_withdrawal: text(s.pendingWithdrawal), start_at: instant(s.startAt), cliff_at: instant(s.cliffAt),
    end_at: instant(s.endAt), memo: s.memo, created_at: instant(s.createdAt), cancel_requested_at: instant(s.cancelRequestedAt),
    cancelled_at: instant(s.cancelledAt), created_ledger: text(row.createdLedger), created_tx: row.createdTx, updated_at: instant(row.updatedAt),
  };
}

/** What the `creators` row must hold after the fold of the creator's stream. */
function creatorRow(row: CreatorRow): TextRow {
  return { ...row, tiers: canonicalJson(row.tiers), registered_at: instant(row.registered_at), updated_at: instant(row.updated_at) };
}

/** A read model the property checks: which event streams feed it and how one stream folds into its row. */
export interface FoldedModel {
  table: string;
  key: string;
  streams: string;
  fold(events: RecordedEvent[]): TextRow | null;
}

/** The models checked: the two money models and the creators directory. */
export const FOLDED_MODELS: readonly FoldedModel[] = [
  {
    table: 'subscriptions',
    key: 'subscription_id',
    streams: 'subscription-%',
    fold: (events) => {
      let row: SubscriptionRow | undefined;
      for (const event of events) row = evolveSubscriptionRow(row, event);
      return row ? subscriptionRow(row) : null;
    },
  },
  {
    table: 'streams',
    key: 'id',
    streams: 'stream-C%',
    fold: (events) => {
      let row: StreamFold | undefined;
      for (const event of events) row = evolveStreamRow(row, event);
      return row ? streamRow(row) : null;
    },
  },
  {
    table: 'creators',
    key: 'address',
    streams: 'creator-%',
    fold: (events) => {
      let row: CreatorRow | undefined;
      for (const event of events) row = evolveCreator(row, event);
      return row ? creatorRow(row) : null;
    },
  },
];

/**
 * Every row of a table as text (jsonb canonical, keys sorted), keyed by `key` (read as the owner: no row-level security applies).
 *
 * @example const rows = await tableRows(db, 'streams', 'id');
 */
export async function tableRows(db: Db, table: string, key: string): Promise<Map<string, TextRow>> {
  const { rows: columns } = await sql<{ name: string; type: string }>`
    select column_name as name, data_type as type from information_schema.columns
    where table_schema = 'public' and table_name = ${table} order by ordinal_position`.execute(db);
  const list = columns.map(({ name, type }) =>
    type.startsWith('timestamp') ? `to_char(${name} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ${name}` : `${name}::text as ${name}`);
  const { rows } = await sql<TextRow>`select ${sql.raw(list.join(', '))} from ${sql.table(table)}`.execute(db);
  const json = columns.filter((c) => c.type === 'jsonb').map((c) => c.name);
  for (const row of rows) for (const c of json) if (row[c] !== null) row[c] = canonicalJson(JSON.parse(row[c]!));
  return new Map(rows.map((r) => [r[key]!, r]));
}

/** One row where a stream's fold and the read model differ: the differing columns, or a whole row missing on one side. */
export interface FoldMismatch {
  table: string;
  key: string;
  columns: Record<string, { fold: string | null | undefined; model: string | null | undefined }>;
  missing?: 'in the model' | 'in the fold';
}

function differences(expected: TextRow, actual: TextRow): FoldMismatch['columns'] {
  const columns: FoldMismatch['columns'] = {};
  for (const c of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    if (expected[c] !== actual[c]) columns[c] = { fold: expected[c], model: actual[c] };
  }
  return columns;
}

/**
 * Folds every event stream feeding each model straight from the store (revision order) and
 * compares the result with the model's rows, column by column (a column the fold does not explain
 * differs too); rows no stream explains count as well.
 * Returns the mismatches (empty: the model is the fold of its streams) and how many rows matched.
 *
 * @example const { mismatches } = await compareFolds(db, store);
 */
export async function compareFolds(db: Db, store: EventStore): Promise<{ mismatches: FoldMismatch[]; rows: number }> {
  const mismatches: FoldMismatch[] = [];
  let matched = 0;
  for (const model of FOLDED_MODELS) {
    const actual = await tableRows(db, model.table, model.key);
    const { rows } = await sql<{ id: string }>`select distinct stream_id as id from events where stream_id like ${model.streams} order by 1`.execute(db);
    const seen = new Set<string>();
    for (const { id } of rows) {
      const expected = model.fold(await store.readStream(id));
      if (!expected) continue;
      const key = expected[model.key]!;
      seen.add(key);
      const row = actual.get(key);
      const columns = row ? differences(expected, row) : {};
      if (!row) mismatches.push({ table: model.table, key, columns, missing: 'in the model' });
      else if (Object.keys(columns).length > 0) mismatches.push({ table: model.table, key, columns });
      else matched++;
    }
    for (const key of actual.keys()) if (!seen.has(key)) mismatches.push({ table: model.table, key, columns: {}, missing: 'in the fold' });
  }
  return { mismatches, rows: matched };
}
