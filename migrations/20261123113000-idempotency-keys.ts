import { sql, type Kysely } from 'kysely';

/** Stored first responses of writes sent with an Idempotency-Key (Stripe semantics, 24 h). */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table idempotency_keys (
      principal text not null,
      key text not null,
      request_hash text not null,
      method text not null,
      path text not null,
      status_code integer,
      response_body text,
      created_at timestamptz not null default now(),
      completed_at timestamptz,
      primary key (principal, key)
    )`.execute(db);
  await sql`create index idempotency_keys_created_at_idx on idempotency_keys (created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table idempotency_keys`.execute(db);
}
