/** A run's optional range: UTC days, `from` inclusive, `to` exclusive (null: unbounded). */
export interface DayRange {
  from: string | null;
  to: string | null;
}

/** A position of the global log (a projector's checkpoint): `(transaction_id, global_position)`. */
export interface Cutoff {
  commit: string;
  prepare: string;
}

/** Stroops billed by chain facts (SubscriptionBilled without a currency), exact decimal strings. */
export interface Billed {
  billed: string;
  bills: number;
}

/** What disagreed: the log's sum (`expected`) against a read model or the contract (`actual`). */
export interface Discrepancy {
  scope: 'subscription' | 'token';
  /** `${subscriber}-${creator}` for a subscription; null for a token. */
  subscriptionId: string | null;
  /** The token contract (null: a subscription whose stream never named one). */
  token: string | null;
  against: 'read-model' | 'contract';
  /** `subscriptions.total_billed`, `analytics_daily_amounts.revenue`, or the contract getter. */
  source: string;
  expected: string;
  actual: string;
  /** actual − expected, in stroops. */
  difference: string;
}

/** A ledger range that no indexer job processed. */
export interface LedgerGap {
  fromLedger: number;
  toLedger: number;
}

/** Per subscription: the log's sum and what each other source says (null: not compared, see notes). */
export interface SubscriptionLine {
  subscriptionId: string;
  subscriber: string;
  tokens: (string | null)[];
  log: Billed;
  readModel: Billed | null;
  contract: { billed: string } | { error: string } | null;
}

export interface TokenLine {
  token: string | null;
  log: Billed;
  readModel: Billed;
}

/** What a run found, stored with it and served by `GET /v1/reconciliation/runs/:id`. */
export interface ReconciliationReport {
  /** False when a ledger range is missing (gaps) or nothing was indexed: the totals cannot be trusted. */
  complete: boolean;
  gaps: LedgerGap[];
  /** Why a comparison was left out or why the run is incomplete, in words. */
  notes: string[];
  /** The projector checkpoints the read models were compared at (later log events left out of both sides). */
  compared: { subscriptions: Cutoff | null; analytics: Cutoff | null; contract: boolean };
  subscriptions: SubscriptionLine[];
  tokens: TokenLine[];
  discrepancies: Discrepancy[];
}
