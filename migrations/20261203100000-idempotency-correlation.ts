import { sql, type Kysely } from 'kysely';

/**
 * The correlation id of the request that claimed a key: the events its command appended carry
 * it, and a retry that takes the claim over runs with the same one, so it recognises a first
 * attempt that committed although its answer was lost (a dependency failure).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table idempotency_keys add column correlation_id text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table idempotency_keys drop column correlation_id`.execute(db);
}
