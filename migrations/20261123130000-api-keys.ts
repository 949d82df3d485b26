import { sql, type Kysely } from 'kysely';

/**
 * Server-to-server API keys. Only an HMAC-SHA-256 of the key is stored (the key itself is shown
 * once); a revoked key keeps its row for the audit trail. No RLS: keys are looked up by hash
 * before the tenant is known, and every query filters on tenant_id explicitly.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      tenant_id text not null,
      created_by text not null,
      name text not null,
      prefix text not null,
      key_hash text not null unique,
      scopes text[] not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    )`.execute(db);
  await sql`create index api_keys_tenant_idx on api_keys (tenant_id, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table api_keys`.execute(db);
}
