import { sql } from 'kysely';
import type { Db } from '../../platform/database.ts';

/**
 * Ids of the subscriptions still `pending` whose `expires_at` is at or before `now` (an ISO
 * time), across every tenant, in id order, at most `limit` of them; `after` continues from the
 * last id of the previous page.
 *
 * This is a system job, never request-facing: it reads with the projection writer's flag
 * (`app.projection_writer = on`, as projections/runner.ts sets it) in a read-only transaction,
 * because the tenant and wallet policies only ever show one tenant or one wallet, while the
 * expiry sweeper must see every tenant's due intents. API code must go through `withReadScope`.
 *
 * The read model may lag the log: an id returned here is a candidate only; the command re-checks
 * the stream (`SUBSCRIPTION.NOT_EXPIRABLE` when it was confirmed or cancelled meanwhile).
 *
 * @example const ids = await dueExpiries(db, new Date().toISOString(), 500);
 */
export async function dueExpiries(db: Db, now: string, limit: number, options: { after?: string } = {}): Promise<string[]> {
  const max = Math.max(1, Math.min(Math.trunc(limit), 10_000));
  return db
    .transaction()
    .setAccessMode('read only')
    .execute(async (trx) => {
      await sql`select set_config('app.projection_writer', 'on', true)`.execute(trx);
      const { rows } = await sql<{ subscription_id: string }>`
        select subscription_id from subscriptions
        where status = 'pending' and expires_at <= ${now}::timestamptz
          ${options.after === undefined ? sql`` : sql`and subscription_id > ${options.after}`}
        order by subscription_id
        limit ${max}`.execute(trx);
      return rows.map((r) => r.subscription_id);
    });
}
