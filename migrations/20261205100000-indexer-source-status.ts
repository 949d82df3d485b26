import { sql, type Kysely } from 'kysely';

/** An indexer job's source outage while it lasts: since when, and the last error (null when the source answers). */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table indexer_checkpoints
      add column source_failing_since timestamptz,
      add column source_error text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table indexer_checkpoints drop column source_failing_since, drop column source_error`.execute(db);
}
