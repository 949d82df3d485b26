import { sql, type Transaction } from 'kysely';
import type { RecordedEvent } from '../../eventstore/types.ts';
import type { Database } from '../../platform/schema.ts';
import { ProjectionError, tableFor, type Projector, type TableNames } from '../types.ts';
import { creatorFactOf, CREATOR_ANALYTICS_EVENT_TYPES, moneyTokenOf, type DailyAmount, type MoneyToken, type SubscriptionFactRow } from './creator-facts.ts';

/**
 * The `creator-analytics` projector: subscription facts appended (keyed by log position, so a
 * replay is a no-op) and daily revenue and withdrawals summed per token (card money per
 * `currency:<CODE>`), in set-based statements.
 * A bill or a withdrawal is filed under the token its stream last named before it in the log (a
 * subscription's intent or activation, a payment stream's creation), or under null when none did;
 * amounts of different tokens are never added together.
 */
export function createCreatorAnalyticsProjector(options: { name?: string; tables?: TableNames; version?: number } = {}): Projector {
  const name = options.name ?? 'creator-analytics';
  const names = [
    tableFor(options.tables, 'analytics_subscription_facts'),
    tableFor(options.tables, 'analytics_daily_amounts'),
    tableFor(options.tables, 'analytics_money_tokens'),
  ] as const;
  const [factsTable, dailyTable, tokensTable] = names.map((t) => sql.table(t));
  return {
    name,
    // 2: amounts per token (migration 20261203140000-analytics-per-token.ts).
    // 3: card subscriptions under `currency:<CODE>` with their monthly amount (migration 20261206160000-analytics-card-mrr.ts).
    version: options.version ?? 3,
    handles: CREATOR_ANALYTICS_EVENT_TYPES,
    metadataFor: [],
    tables: names,
    withTables: (tables, rebuildName) => createCreatorAnalyticsProjector({ ...options, name: rebuildName, tables }),
    async apply(trx: Transaction<Database>, events: RecordedEvent[]) {
      const streams = [...new Set(events.map((e) => e.streamId))];
      const { rows: known } = await sql<MoneyToken>`select stream_id, tenant_id, token from ${tokensTable} where stream_id = any(${streams}::text[])`.execute(trx);
      const tokens = new Map(known.map((r) => [r.stream_id, r.token]));
      const named = new Map<string, MoneyToken>();
      const facts: SubscriptionFactRow[] = [];
      const amounts: (Omit<DailyAmount, 'stream_id'> & { token: string | null })[] = [];
      for (const event of events) {
        try {
          const token = moneyTokenOf(event);
          if (token) {
            tokens.set(token.stream_id, token.token);
            named.set(token.stream_id, token);
          }
          const { fact, amount } = creatorFactOf(event);
          if (fact) facts.push(fact);
          if (amount) {
            const { stream_id, currency, ...rest } = amount;
            amounts.push({ ...rest, token: currency === undefined ? (tokens.get(stream_id) ?? null) : `currency:${currency}` });
          }
        } catch (error) {
          throw new ProjectionError(name, event, error);
        }
      }
      if (named.size > 0) {
        await sql`
          insert into ${tokensTable} (stream_id, tenant_id, token)
          select stream_id, tenant_id, token from jsonb_to_recordset(${JSON.stringify([...named.values()])}::jsonb) as x(stream_id text, tenant_id text, token text)
          on conflict (stream_id) do update set tenant_id = excluded.tenant_id, token = excluded.token`.execute(trx);
      }
      if (facts.length > 0) {
        await sql`
          insert into ${factsTable} (global_position, tenant_id, subscription_id, at, kind, status, token, rate_per_second, monthly_amount)
          select global_position, tenant_id, subscription_id, at, kind, status, token, rate_per_second, monthly_amount
          from jsonb_to_recordset(${JSON.stringify(facts)}::jsonb) as x(global_position bigint, tenant_id text, subscription_id text,
            at timestamptz, kind text, status text, token text, rate_per_second numeric, monthly_amount numeric)
          on conflict (global_position) do nothing`.execute(trx);
      }
      if (amounts.length > 0) {
        await sql`
          insert into ${dailyTable} as d (tenant_id, metric, day, token, amount, events)
          select tenant_id, metric, day, token, sum(amount), count(*)
          from jsonb_to_recordset(${JSON.stringify(amounts)}::jsonb) as x(tenant_id text, metric text, day date, token text, amount numeric)
          group by tenant_id, metric, day, token
          on conflict (tenant_id, metric, day, token) do update set amount = d.amount + excluded.amount, events = d.events + excluded.events`.execute(trx);
      }
    },
  };
}

export const creatorAnalyticsProjector: Projector = createCreatorAnalyticsProjector();
