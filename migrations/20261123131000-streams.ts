import { sql, type Kysely } from 'kysely';

/**
 * The `streams` read model: one row per on-chain payment stream (StellarStream V1/V2), under the
 * same row-level security as the first read models (20261123120100-read-models.ts).
 *
 * - Tenant policy: `tenant_id` (the receiver) = `app.current_tenant_id`.
 * - Wallet policy: the sender or the receiver = `app.current_wallet`.
 * - Writer policy: the owner, only inside a projector transaction (`app.projection_writer = on`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table streams (
      tenant_id text not null check (tenant_id <> ''),
      id text primary key,
      contract_id text not null,
      onchain_id text not null,
      sender text,
      receiver text,
      token text,
      status text not null check (status in ('active', 'paused', 'cancelled')),
      deposited numeric not null default 0,
      withdrawn numeric not null default 0,
      refunded numeric not null default 0,
      pending_withdrawal numeric,
      start_at timestamptz,
      cliff_at timestamptz,
      end_at timestamptz,
      memo text,
      created_at timestamptz,
      cancel_requested_at timestamptz,
      cancelled_at timestamptz,
      created_ledger integer,
      created_tx text,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`create index streams_tenant_idx on streams (tenant_id, id)`.execute(db);
  await sql`create index streams_sender_idx on streams (sender, id)`.execute(db);
  await sql`create index streams_receiver_idx on streams (receiver, id)`.execute(db);

  const { rows } = await sql<{ owner: string }>`select current_user as owner`.execute(db);
  const writer = sql`current_setting('app.projection_writer', true) = 'on'`;
  await sql`alter table streams enable row level security`.execute(db);
  await sql`alter table streams force row level security`.execute(db);
  await sql`revoke all on streams from public`.execute(db);
  await sql`grant select on streams to substream_api`.execute(db);
  await sql`create policy streams_projection_writer on streams for all to ${sql.id(rows[0]!.owner)} using (${writer}) with check (${writer})`.execute(db);
  await sql`create policy streams_tenant on streams for select using (tenant_id = current_setting('app.current_tenant_id', true))`.execute(db);
  await sql`
    create policy streams_wallet on streams for select
    using (sender = current_setting('app.current_wallet', true) or receiver = current_setting('app.current_wallet', true))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table streams`.execute(db);
}
