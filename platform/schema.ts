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
  confirmed_ledger: number | null;
  requested_at: Timestamp | null;
  expires_at: Timestamp | null;
  updated_at: Timestamp;
}

/** Every table the service owns. Later modules add theirs here. */
export interface Database {
  events: EventsTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  creators: CreatorsTable;
  subscriptions: SubscriptionsTable;
  idempotency_keys: IdempotencyKeysTable;
}
