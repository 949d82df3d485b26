import type { ColumnType, Generated } from 'kysely';

/** int8 / numeric / xid8 come back from `pg` as decimal strings. */
type Int8 = ColumnType<string, string | bigint, string | bigint>;

export interface EventsTable {
  global_position: Generated<Int8>;
  transaction_id: Generated<Int8>;
  event_id: string;
  stream_id: string;
  stream_revision: Int8;
  type: string;
  data: ColumnType<unknown, string, string>;
  metadata: ColumnType<unknown, string, string>;
  recorded_at: Generated<Date>;
}

export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  request_hash: string;
  method: string;
  path: string;
  status_code: number | null;
  response_body: string | null;
  created_at: Generated<Date>;
  completed_at: Date | null;
  /** The claiming request's id, the correlation id of the events its command appended. */
  correlation_id: string | null;
}

type Numeric = ColumnType<string, string | bigint, string | bigint>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface ProjectionCheckpointsTable {
  name: string;
  version: number;
  position_commit: Int8;
  position_prepare: Int8;
  state: 'live' | 'rebuilding' | 'failed';
  last_error: string | null;
  events_processed: Int8;
  updated_at: Generated<Date>;
}

/** An event a projector could not apply: halted on, parked, or resolved (projections/dead-letters.ts). */
export interface ProjectionDeadLettersTable {
  projector: string;
  position_commit: Int8;
  position_prepare: Int8;
  event_id: string;
  event_type: string;
  stream_id: string;
  stream_revision: Int8;
  status: 'halted' | 'parked' | 'retried' | 'skipped';
  error: string;
  attempts: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** The outbox relay's checkpoint (integration/checkpoint.ts): the last position the broker acknowledged. */
export interface OutboxCheckpointsTable {
  name: string;
  position_commit: Int8;
  position_prepare: Int8;
  events_published: Int8;
  last_error: string | null;
  updated_at: Generated<Date>;
}

/** Read model (RLS): the public creator directory. */
export interface CreatorsTable {
  tenant_id: string;
  address: string;
  display_name: string | null;
  tiers: ColumnType<unknown, string, string>;
  registered_at: Timestamp | null;
  updated_at: Timestamp;
}

/** Read model (RLS): one row per (subscriber, creator); tenant_id is the creator. */
export interface SubscriptionsTable {
  tenant_id: string;
  subscription_id: string;
  subscriber: string;
  creator: string;
  status: 'none' | 'pending' | 'trialing' | 'active' | 'grace' | 'cancelled' | 'expired';
  tier: string | null;
  token: string | null;
  rate_per_second: Numeric | null;
  total_billed: Numeric;
  bills_count: number;
  last_billed_at: Timestamp | null;
  next_billing_at: Timestamp | null;
  trial_ends_at: Timestamp | null;
  grace_ends_at: Timestamp | null;
  cancel_requested_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  refund_amount: Numeric;
  tips_total: Numeric;
  /** bigint (a chain u32); read models select it as a number (projections/sql.ts). */
  confirmed_ledger: Int8 | null;
  requested_at: Timestamp | null;
  expires_at: Timestamp | null;
  updated_at: Timestamp;
  /** The rest of the domain fold's state (not shown by the API). */
  status_fact_at: Timestamp | null;
  rate_fact_at: Timestamp | null;
  activated_at: Timestamp | null;
  /** bigint (a chain u32). */
  plan_id: Int8 | null;
  tips_count: Generated<number>;
  /** `wallet` | `card` (migration 20261205070000-subscription-rail.ts). */
  rail: 'wallet' | 'card' | null;
  /** Card money billed per ISO 4217 currency, minor units as decimal strings. */
  card_billed: Generated<Record<string, string>>;
}

/** The indexer's per-job checkpoint: the last ledger fully processed and the source's cursor. */
export interface IndexerCheckpointsTable {
  job: string;
  last_ledger: Int8;
  cursor: string | null;
  updated_at: Generated<Date>;
  /** Since when the job's source fails (follow mode waits it out); null while it answers. */
  source_failing_since: Date | null;
  source_error: string | null;
}

/** Ledger ranges an indexer job processed (inclusive), for gap reports. */
export interface IndexerRangesTable {
  job: string;
  from_ledger: Int8;
  to_ledger: Int8;
}

/** SEP-10 challenges issued: single use until `expires_at`. */
export interface Sep10ChallengesTable {
  nonce: string;
  account: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
}

/** API keys, stored as HMAC-SHA-256 of the key (never the key). */
export interface ApiKeysTable {
  id: Generated<string>;
  tenant_id: string;
  created_by: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: string[];
  created_at: Generated<Date>;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** A tenant's outbound webhook receiver (integration/webhooks/endpoints.ts). */
export interface WebhookEndpointsTable {
  id: Generated<string>;
  tenant_id: string;
  url: string;
  description: Generated<string>;
  events: string[];
  status: Generated<'active' | 'failing' | 'disabled'>;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Timestamp | null;
  consecutive_failures: Generated<number>;
  disabled_reason: string | null;
  disabled_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** One (event, endpoint) delivery and its attempts (integration/webhooks/deliveries.ts). */
export interface WebhookDeliveriesTable {
  id: Generated<string>;
  seq: ColumnType<string, never, never>;
  endpoint_id: string;
  tenant_id: string;
  event_id: string;
  event_type: string;
  stream_id: string;
  payload: string;
  status: Generated<'pending' | 'succeeded' | 'failed'>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  last_attempt_at: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  response_prefix: string | null;
  created_at: Generated<Date>;
  delivered_at: Timestamp | null;
}

/** A subject's email address (integration/email/addresses.ts): personal data, never in the event log. */
export interface EmailAddressesTable {
  subject: string;
  address: string;
  verified_at: Timestamp | null;
  verify_token_hash: string | null;
  verify_expires_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** A notification kind a subject turned off (one-click unsubscribe). */
export interface EmailUnsubscribesTable {
  subject: string;
  kind: string;
  created_at: Generated<Date>;
}

/** A hard-bounced address, as the SHA-256 of its lower-cased form. */
export interface EmailSuppressionsTable {
  address_hash: string;
  reason: string;
  created_at: Generated<Date>;
}

/** One (event, subject, kind) email to send (integration/email/outbox.ts). */
export interface EmailOutboxTable {
  id: Generated<string>;
  seq: ColumnType<string, never, never>;
  event_id: string;
  subject: string;
  kind: string;
  vars: ColumnType<Record<string, string>, string, string>;
  status: Generated<'pending' | 'sent' | 'failed' | 'skipped'>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  last_error: string | null;
  created_at: Generated<Date>;
  sent_at: Timestamp | null;
}

/** Read model (RLS): one row per on-chain payment stream; tenant_id is the receiver. */
export interface StreamsTable {
  tenant_id: string;
  id: string;
  contract_id: string;
  onchain_id: string;
  sender: string | null;
  receiver: string | null;
  token: string | null;
  status: 'active' | 'paused' | 'cancelled';
  deposited: Numeric;
  withdrawn: Numeric;
  refunded: Numeric;
  pending_withdrawal: Numeric | null;
  start_at: Timestamp | null;
  cliff_at: Timestamp | null;
  end_at: Timestamp | null;
  memo: string | null;
  created_at: Timestamp | null;
  cancel_requested_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  /** bigint (a chain u32); read models select it as a number (projections/sql.ts). */
  created_ledger: Int8 | null;
  created_tx: string | null;
  updated_at: Timestamp;
}

/** Read model (RLS): invoice links; tenant_id is the creator, public by slug. */
export interface InvoiceLinksTable {
  tenant_id: string;
  id: string;
  slug: string;
  creator: string;
  receiver: string;
  token: string;
  amount: Numeric;
  duration_seconds: number;
  description: string | null;
  pdf_url: string | null;
  status: 'DRAFT' | 'SIGNED' | 'COMPLETED' | 'DELETED';
  payer: string | null;
  tx_hash: string | null;
  completed_stream: string | null;
  expires_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Read model (RLS): tier-gated content; tenant_id is the creator, published rows public. */
export interface ContentTable {
  tenant_id: string;
  content_id: string;
  creator: string;
  title: string;
  min_tier: 'bronze' | 'silver' | 'gold';
  url: string | null;
  status: 'published' | 'deleted';
  published_at: Timestamp;
  updated_at: Timestamp;
}

/** Read model (RLS): watched seconds and views per (tenant, content, 1 s position). */
export interface AnalyticsViewHeatmapTable {
  tenant_id: string;
  content_id: string;
  position_second: number;
  watched_seconds: Numeric;
  views: Int8;
}

/** Read model (RLS): one row per subscription fact, dated by the fact (see projections/analytics). */
export interface AnalyticsSubscriptionFactsTable {
  global_position: Int8;
  tenant_id: string;
  subscription_id: string;
  at: Timestamp;
  kind: string;
  status: 'active' | 'trialing' | 'grace' | 'cancelled' | null;
  token: string | null;
  rate_per_second: Numeric | null;
  monthly_amount: Numeric | null;
}

/** Read model (RLS): stroops billed or withdrawn per tenant, UTC day and token (null: not known). */
export interface AnalyticsDailyAmountsTable {
  tenant_id: string;
  metric: 'revenue' | 'withdrawals';
  day: ColumnType<string, string, string>;
  token: string | null;
  amount: Numeric;
  events: Int8;
}

/** Read model (RLS): the token of each event-store stream that moves money (see projections/analytics). */
export interface AnalyticsMoneyTokensTable {
  stream_id: string;
  tenant_id: string;
  token: string;
}

/** A tenant's data export (exports/jobs.ts): queued, claimed under a lease, then ready or failed. */
export interface ExportJobsTable {
  id: string;
  tenant_id: string;
  dataset: 'subscribers' | 'billing' | 'streams' | 'invoice-links' | 'view-events';
  format: 'csv' | 'json' | 'ndjson';
  from_at: Timestamp | null;
  to_at: Timestamp | null;
  status: 'queued' | 'running' | 'ready' | 'failed' | 'expired';
  rows_written: ColumnType<string, string | bigint | undefined, string | bigint>;
  attempts: Generated<number>;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  object_key: string | null;
  bytes: Int8 | null;
  reason: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  finished_at: Timestamp | null;
}

/** A data subject's AES-256 data key, wrapped by the PII master key (platform/personal-data/key-vault.ts). */
export interface PersonalDataKeysTable {
  key_id: string;
  subject: string;
  wrapped_key: string;
  created_at: Generated<Date>;
}

/** One reconciliation of a tenant's books (reconciliation/runs.ts); `report` is a ReconciliationReport. */
export interface ReconciliationRunsTable {
  id: string;
  tenant_id: string;
  trigger: 'api' | 'cli' | 'schedule';
  from_day: ColumnType<string | null, string | null, string | null>;
  to_day: ColumnType<string | null, string | null, string | null>;
  status: 'running' | 'finished' | 'failed';
  complete: boolean | null;
  discrepancies: Generated<number>;
  report: ColumnType<unknown, string | null, string | null>;
  reason: string | null;
  created_at: Generated<Date>;
  finished_at: Timestamp | null;
}

/** Every table the service owns. Later modules add theirs here. */
export interface Database {
  indexer_checkpoints: IndexerCheckpointsTable;
  indexer_ranges: IndexerRangesTable;
  events: EventsTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  projection_dead_letters: ProjectionDeadLettersTable;
  outbox_checkpoints: OutboxCheckpointsTable;
  creators: CreatorsTable;
  subscriptions: SubscriptionsTable;
  streams: StreamsTable;
  invoice_links: InvoiceLinksTable;
  content: ContentTable;
  idempotency_keys: IdempotencyKeysTable;
  sep10_challenges: Sep10ChallengesTable;
  api_keys: ApiKeysTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  email_addresses: EmailAddressesTable;
  email_unsubscribes: EmailUnsubscribesTable;
  email_suppressions: EmailSuppressionsTable;
  email_outbox: EmailOutboxTable;
  analytics_view_heatmap: AnalyticsViewHeatmapTable;
  analytics_subscription_facts: AnalyticsSubscriptionFactsTable;
  analytics_daily_amounts: AnalyticsDailyAmountsTable;
  analytics_money_tokens: AnalyticsMoneyTokensTable;
  export_jobs: ExportJobsTable;
  personal_data_keys: PersonalDataKeysTable;
  reconciliation_runs: ReconciliationRunsTable;
}
