import { sql, type Kysely } from 'kysely';

/**
 * Lets the expiry sweeper (projections/subscriptions/expiry-sweeper.ts) find pending intents past
 * their `expires_at` without scanning every subscription: `status = 'pending' and expires_at <= now`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index subscriptions_status_expires_idx on subscriptions (status, expires_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index subscriptions_status_expires_idx`.execute(db);
}
