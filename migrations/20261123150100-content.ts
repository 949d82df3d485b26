import { sql, type Kysely } from 'kysely';

/**
 * The `content` read model (tier-gated content) under row-level security, in the pattern of
 * 20261123120100-read-models.ts.
 *
 * - Tenant policy: `tenant_id` (the creator) = `app.current_tenant_id`: the creator also sees
 *   its deleted items (tombstones without a url).
 * - Directory policy: every *published* row is readable in any read scope, as the public
 *   creator directory is, so a subscriber of another tenant (or an anonymous caller) can list a
 *   creator's content. A row's fields are public except `url`, which the API returns only to a
 *   caller the access rules let in (row security cannot hide one column from some readers).
 * - Writer policy: the owning role writes only with `app.projection_writer = on`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table content (
      tenant_id text not null check (tenant_id <> ''),
      content_id text primary key,
      creator text not null check (creator = tenant_id),
      title text not null,
      min_tier text not null check (min_tier in ('bronze', 'silver', 'gold')),
      url text,
      status text not null check (status in ('published', 'deleted')),
      published_at timestamptz not null,
      updated_at timestamptz not null,
      check ((status = 'published') = (url is not null))
    )`.execute(db);
  await sql`create index content_listing_idx on content (tenant_id, published_at desc, content_id desc) where status = 'published'`.execute(db);

  const { rows } = await sql<{ owner: string }>`select current_user as owner`.execute(db);
  const writer = sql`current_setting('app.projection_writer', true) = 'on'`;
  await sql`alter table content enable row level security`.execute(db);
  await sql`alter table content force row level security`.execute(db);
  await sql`revoke all on content from public`.execute(db);
  await sql`grant select on content to substream_api`.execute(db);
  await sql`create policy content_projection_writer on content for all to ${sql.id(rows[0]!.owner)} using (${writer}) with check (${writer})`.execute(db);
  await sql`create policy content_tenant on content for select using (tenant_id = current_setting('app.current_tenant_id', true))`.execute(db);
  await sql`create policy content_directory on content for select using (status = 'published')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table content`.execute(db);
}
