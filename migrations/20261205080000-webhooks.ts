import { sql, type Kysely } from 'kysely';

/**
 * Outbound webhooks (integration/webhooks/). `webhook_endpoints`: a tenant's receivers, with the
 * signing secret (kept in clear: it signs every delivery; the API shows it once) and, for 24 h
 * after a rotation, the previous one. `webhook_deliveries`: one row per (event, endpoint), written
 * by the dispatcher in the transaction that moves its checkpoint (`outbox_checkpoints` row
 * `webhooks`); `seq` is the log order, which workers keep per (endpoint, stream). Operational
 * data like `api_keys`: no RLS, every query filters on tenant_id explicitly; the API role gets no
 * grant on them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table webhook_endpoints (
      id uuid primary key default gen_random_uuid(),
      tenant_id text not null,
      url text not null,
      description text not null default '',
      events text[] not null,
      status text not null default 'active' check (status in ('active', 'failing', 'disabled')),
      secret text not null,
      previous_secret text,
      previous_secret_expires_at timestamptz,
      consecutive_failures integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index webhook_endpoints_tenant_idx on webhook_endpoints (tenant_id, created_at)`.execute(db);
  await sql`
    create table webhook_deliveries (
      id uuid primary key default gen_random_uuid(),
      seq bigserial not null unique,
      endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
      tenant_id text not null,
      event_id uuid not null,
      event_type text not null,
      stream_id text not null,
      payload text not null,
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      last_attempt_at timestamptz,
      last_status_code integer,
      last_error text,
      response_prefix text,
      created_at timestamptz not null default now(),
      delivered_at timestamptz,
      unique (endpoint_id, event_id)
    )`.execute(db);
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at, seq) where status = 'pending'`.execute(db);
  await sql`create index webhook_deliveries_order_idx on webhook_deliveries (endpoint_id, stream_id, seq) where status = 'pending'`.execute(db);
  await sql`create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, seq desc)`.execute(db);
  await sql`revoke all on webhook_endpoints, webhook_deliveries from public`.execute(db);
  await sql`grant select, insert, update, delete on webhook_endpoints to substream_api`.execute(db);
  await sql`grant select, update on webhook_deliveries to substream_api`.execute(db);
  await sql`grant select, update on webhook_endpoints to substream_projector`.execute(db);
  await sql`grant select, insert, update on webhook_deliveries to substream_projector`.execute(db);
  await sql`grant usage on sequence webhook_deliveries_seq_seq to substream_projector`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table webhook_deliveries`.execute(db);
  await sql`drop table webhook_endpoints`.execute(db);
  await sql`delete from outbox_checkpoints where name = 'webhooks'`.execute(db);
}
