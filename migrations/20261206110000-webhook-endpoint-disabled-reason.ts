import { sql, type Kysely } from 'kysely';

/** Why and when a webhook endpoint was disabled (by its tenant, or by the workers after repeated failures); null while enabled. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table webhook_endpoints
      add column disabled_reason text,
      add column disabled_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table webhook_endpoints drop column disabled_reason, drop column disabled_at`.execute(db);
}
