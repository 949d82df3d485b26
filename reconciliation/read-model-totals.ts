import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';
import { inDays } from './log-totals.ts';
import type { Billed, Cutoff, DayRange } from './types.ts';

/**
 * A projector's checkpoint, or null when it never ran: the read model holds the log up to it.
 *
 * @example const at = await checkpointOf(trx, 'subscriptions');
 */
export async function checkpointOf(trx: Kysely<Database>, projector: string): Promise<Cutoff | null> {
  const row = await trx.selectFrom('projection_checkpoints').select(['position_commit', 'position_prepare']).where('name', '=', projector).executeTakeFirst();
  return row ? { commit: String(row.position_commit), prepare: String(row.position_prepare) } : null;
}

/**
 * `subscriptions.total_billed` and `bills_count` of each of the tenant's subscriptions (row-level
 * security keeps it to the tenant set on `trx`), keyed by subscription id.
 *
 * @example const rows = await subscriptionTotals(trx);
 */
export async function subscriptionTotals(trx: Kysely<Database>): Promise<Map<string, Billed & { subscriber: string }>> {
  const rows = await trx.selectFrom('subscriptions').select(['subscription_id', 'subscriber', 'total_billed', 'bills_count']).execute();
  return new Map(rows.map((r) => [r.subscription_id, { subscriber: r.subscriber, billed: String(r.total_billed), bills: r.bills_count }]));
}

/**
 * Daily revenue of creator analytics summed per token over the range (card currencies left out).
 *
 * @example const byToken = await revenueByToken(trx, { from: '2026-11-01', to: '2026-12-01' });
 */
export async function revenueByToken(trx: Kysely<Database>, range: DayRange): Promise<Map<string | null, Billed>> {
  const { rows } = await sql<{ token: string | null; billed: string; bills: string }>`
    select token, sum(amount)::text as billed, sum(events)::text as bills from analytics_daily_amounts
    where metric = 'revenue' and (token is null or token not like 'currency:%') and ${inDays(sql`day`, range)}
    group by token`.execute(trx);
  return new Map(rows.map((r) => [r.token, { billed: r.billed, bills: Number(r.bills) }]));
}
