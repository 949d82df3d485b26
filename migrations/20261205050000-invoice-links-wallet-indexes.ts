import { sql, type Kysely } from 'kysely';

/**
 * Indexes for a wallet's own invoice links (`creator = $1 or payer = $1`, by id): without them
 * `GET /v1/invoice-links` for a wallet scanned every tenant's links. Each ends with `id` so a page
 * after a cursor stays an index range.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists invoice_links_creator_idx on invoice_links (creator, id)`.execute(db);
  await sql`create index if not exists invoice_links_payer_idx on invoice_links (payer, id) where payer is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists invoice_links_payer_idx`.execute(db);
  await sql`drop index if exists invoice_links_creator_idx`.execute(db);
}
