import { sql, type Kysely } from 'kysely';

/**
 * Row-level security, enabled and forced, on the last tables with a `tenant_id` that lacked it, so
 * a query the API forgets to scope sees nothing of another tenant:
 *
 * - `api_keys` (substream_api): a tenant's own keys (`app.current_tenant_id`), which it may write;
 *   and, to read only, the one key whose hash is `app.api_key_hash`: authentication looks a key up
 *   by the hash of the key it was shown before the tenant is known (knowing a hash means holding
 *   the key), then touches it under its tenant.
 * - `webhook_endpoints`, `webhook_deliveries` (substream_api): a tenant's own rows only. The
 *   dispatcher and delivery workers act across tenants by design: they run as
 *   `substream_projector` (or the owner), whose policy sees every row.
 */
const TENANT = sql`tenant_id = current_setting('app.current_tenant_id', true)`;
const KEY_HOLDER = sql`key_hash = current_setting('app.api_key_hash', true)`;

export async function up(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ owner: string }>`select current_user as owner`.execute(db);
  const owner = sql.id(rows[0]!.owner);
  for (const table of ['api_keys', 'webhook_endpoints', 'webhook_deliveries']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
  }
  await sql`create policy api_keys_tenant on api_keys for all to substream_api using (${TENANT}) with check (${TENANT})`.execute(db);
  await sql`create policy api_keys_holder on api_keys for select to substream_api using (${KEY_HOLDER})`.execute(db);
  for (const table of ['webhook_endpoints', 'webhook_deliveries']) {
    const t = sql.table(table);
    await sql`create policy ${sql.id(`${table}_tenant`)} on ${t} for all to substream_api using (${TENANT}) with check (${TENANT})`.execute(db);
    await sql`create policy ${sql.id(`${table}_workers`)} on ${t} for all to substream_projector, ${owner} using (true) with check (true)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop policy if exists api_keys_tenant on api_keys`.execute(db);
  await sql`drop policy if exists api_keys_holder on api_keys`.execute(db);
  for (const table of ['webhook_endpoints', 'webhook_deliveries']) {
    await sql`drop policy if exists ${sql.id(`${table}_tenant`)} on ${sql.table(table)}`.execute(db);
    await sql`drop policy if exists ${sql.id(`${table}_workers`)} on ${sql.table(table)}`.execute(db);
  }
  for (const table of ['api_keys', 'webhook_endpoints', 'webhook_deliveries']) {
    await sql`alter table ${sql.table(table)} no force row level security`.execute(db);
    await sql`alter table ${sql.table(table)} disable row level security`.execute(db);
  }
}
