import { sql, type Kysely } from 'kysely';

/**
 * Card payments (Stripe): each subscription's rail (`wallet` | `card`, null before any intent or
 * fact says) and the card money billed per ISO 4217 currency in minor units (`{"EUR": "1800"}`),
 * kept apart from `total_billed` (stroops). The projector's version 3 fills them on a rebuild.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table subscriptions add column rail text, add column card_billed jsonb not null default '{}'::jsonb`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table subscriptions drop column rail, drop column card_billed`.execute(db);
}
