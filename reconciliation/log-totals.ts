import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { Cutoff, DayRange } from './types.ts';

/** One subscription's chain bills in one token, summed from the event log. */
export interface LogTotal {
  subscriptionId: string;
  subscriber: string;
  token: string | null;
  billed: string;
  bills: number;
}

/** `day` (a UTC date expression) within the range. */
export function inDays(day: RawBuilder<unknown>, range: DayRange): RawBuilder<unknown> {
  return sql`(${range.from === null ? sql`true` : sql`${day} >= ${range.from}::date`}) and (${range.to === null ? sql`true` : sql`${day} < ${range.to}::date`})`;
}

/**
 * The tenant's chain bills summed from the event log per subscription and token: every
 * `SubscriptionBilled` recorded from the chain without a currency (card money is never stroops),
 * filed under the token its stream last named before it (as creator analytics files it), by UTC
 * day of `billedAt`, up to `cutoff` (a projector checkpoint) when given. Sums are `numeric`: exact.
 *
 * @example const totals = await logTotals(trx, tenant, { from: null, to: null }, null);
 */
export async function logTotals(trx: Kysely<Database>, tenant: string, range: DayRange, cutoff: Cutoff | null): Promise<LogTotal[]> {
  const day = sql`(((e.data->>'billedAt')::timestamptz) at time zone 'UTC')::date`;
  const upTo = cutoff === null ? sql`true` : sql`(e.transaction_id, e.global_position) <= (${cutoff.commit}::xid8, ${cutoff.prepare}::bigint)`;
  const { rows } = await sql<{ subscriber: string; token: string | null; billed: string; bills: number }>`
    select e.data->>'subscriber' as subscriber, named.token, sum((e.data->>'amount')::numeric)::text as billed, count(*)::int as bills
    from events e
    left join lateral (
      select t.data->>'token' as token from events t
      where t.stream_id = e.stream_id and t.global_position < e.global_position and t.data->>'token' is not null
        and (t.type = 'SubscriptionActivated' or (t.type = 'SubscriptionRequested' and coalesce(t.data->>'rail', 'wallet') <> 'card'))
      order by t.global_position desc limit 1) named on true
    where e.type = 'SubscriptionBilled' and e.metadata->>'source' = 'chain' and not (e.data ? 'currency')
      and e.data->>'creator' = ${tenant} and ${inDays(day, range)} and ${upTo}
    group by 1, 2 order by 1, 2 nulls first`.execute(trx);
  return rows.map((r) => ({ subscriptionId: `${r.subscriber}-${tenant}`, subscriber: r.subscriber, token: r.token, billed: r.billed, bills: r.bills }));
}
