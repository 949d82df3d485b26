import { sql, type Kysely } from 'kysely';

/**
 * The `invoice_links` read model under row-level security (pattern of 20261123120100-read-models.ts).
 *
 * - Tenant policy: `tenant_id` (the link's creator) = `app.current_tenant_id`.
 * - Wallet policy: the creator or the payer = `app.current_wallet`.
 * - Public policy: one link at a time, by its unguessable slug = `app.current_slug`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table invoice_links (
      tenant_id text not null check (tenant_id <> ''),
      id text primary key,
      slug text not null unique,
      creator text not null,
      receiver text not null,
      token text not null,
      amount numeric not null,
      duration_seconds integer not null,
      description text,
      pdf_url text,
      status text not null check (status in ('DRAFT', 'SIGNED', 'COMPLETED', 'DELETED')),
      payer text,
      tx_hash text,
      completed_stream text,
      expires_at timestamptz not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`create index invoice_links_tenant_idx on invoice_links (tenant_id, created_at, id)`.execute(db);

  const { rows } = await sql<{ owner: string }>`select current_user as owner`.execute(db);
  const writer = sql`current_setting('app.projection_writer', true) = 'on'`;
  await sql`alter table invoice_links enable row level security`.execute(db);
  await sql`alter table invoice_links force row level security`.execute(db);
  await sql`revoke all on invoice_links from public`.execute(db);
  await sql`grant select on invoice_links to substream_api`.execute(db);
  await sql`create policy invoice_links_projection_writer on invoice_links for all to ${sql.id(rows[0]!.owner)} using (${writer}) with check (${writer})`.execute(db);
  await sql`create policy invoice_links_tenant on invoice_links for select using (tenant_id = current_setting('app.current_tenant_id', true))`.execute(db);
  await sql`
    create policy invoice_links_wallet on invoice_links for select
    using (creator = current_setting('app.current_wallet', true) or payer = current_setting('app.current_wallet', true))`.execute(db);
  await sql`create policy invoice_links_public on invoice_links for select using (slug = current_setting('app.current_slug', true))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table invoice_links`.execute(db);
}
