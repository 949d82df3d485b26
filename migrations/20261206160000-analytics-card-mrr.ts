import { sql, type Kysely } from 'kysely';

/**
 * Card MRR: `analytics_subscription_facts.monthly_amount`, a card subscription's price in minor units
 * per month (its `token` is `currency:<CODE>`). The `creator-analytics` projector's version goes to 3
 * with it: card facts projected before hold `token` null and rate 0 until
 * `substream projections rebuild creator-analytics` (or PROJECTIONS_AUTO_REBUILD=true) refiles them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table analytics_subscription_facts add column monthly_amount numeric`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table analytics_subscription_facts drop column monthly_amount`.execute(db);
}
