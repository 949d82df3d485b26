import { sql, type Transaction } from 'kysely';
import type { RecordedEvent } from '../../eventstore/types.ts';
import type { Database } from '../../platform/schema.ts';
import { ProjectionError, tableFor, type Projector, type TableNames } from '../types.ts';
import { creatorFactOf, CREATOR_ANALYTICS_EVENT_TYPES, type DailyAmount, type SubscriptionFactRow } from './creator-facts.ts';

/**
 * The `creator-analytics` projector: subscription facts appended (keyed by log position, so a
 * replay is a no-op) and daily revenue and withdrawals summed, in two set-based statements.
 */
export function createCreatorAnalyticsProjector(options: { name?: string; tables?: TableNames; version?: number } = {}): Projector {
  const name = options.name ?? 'creator-analytics';
  const names = [tableFor(options.tables, 'analytics_subscription_facts'), tableFor(options.tables, 'analytics_daily_amounts')] as const;
  const [factsTable, dailyTable] = names.map((t) => sql.table(t));
  return {
    name,
    version: options.version ?? 1,
    handles: CREATOR_ANALYTICS_EVENT_TYPES,
    metadataFor: [],
    tables: names,
    withTables: (tables, rebuildName) => createCreatorAnalyticsProjector({ ...options, name: rebuildName, tables }),
    async apply(trx: Transaction<Database>, events: RecordedEvent[]) {
      const facts: SubscriptionFactRow[] = [];
      const amounts: DailyAmount[] = [];
      for (const event of events) {
        try {
          const { fact, amount } = creatorFactOf(event);
          if (fact) facts.push(fact);
          if (amount) amounts.push(amount);
        } catch (error) {
          throw new ProjectionError(name, event, error);
        }
      }
      if (facts.length > 0) {
        await sql`
          insert into ${factsTable} (global_position, tenant_id, subscription_id, at, kind, status, token, rate_per_second)
          select global_position, tenant_id, subscription_id, at, kind, status, token, rate_per_second
          from jsonb_to_recordset(${JSON.stringify(facts)}::jsonb) as x(global_position bigint, tenant_id text, subscription_id text,
            at timestamptz, kind text, status text, token text, rate_per_second numeric)
          on conflict (global_position) do nothing`.execute(trx);
      }
      if (amounts.length > 0) {
        await sql`
          insert into ${dailyTable} as d (tenant_id, metric, day, amount, events)
          select tenant_id, metric, day, sum(amount), count(*)
          from jsonb_to_recordset(${JSON.stringify(amounts)}::jsonb) as x(tenant_id text, metric text, day date, amount numeric)
          group by tenant_id, metric, day
          on conflict (tenant_id, metric, day) do update set amount = d.amount + excluded.amount, events = d.events + excluded.events`.execute(trx);
      }
    },
  };
}

export const creatorAnalyticsProjector: Projector = createCreatorAnalyticsProjector();
