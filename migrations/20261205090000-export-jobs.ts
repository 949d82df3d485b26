import { sql, type Kysely } from 'kysely';

/**
 * `export_jobs`: the data exports a tenant asked for (exports/jobs.ts), under row-level security.
 *
 * - Tenant policy (substream_api): a tenant reads and queues its own jobs
 *   (`tenant_id` = `app.current_tenant_id`).
 * - Worker policy (substream_api): the export worker claims, advances and finishes any tenant's
 *   job, only with `app.export_worker = on` set in its transaction (exports/jobs.ts). It then
 *   reads the dataset itself under the job's tenant scope (projections/read-scope.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table export_jobs (
      id uuid primary key,
      tenant_id text not null check (tenant_id <> ''),
      dataset text not null check (dataset in ('subscribers', 'billing', 'streams', 'invoice-links')),
      format text not null check (format in ('csv', 'json', 'ndjson')),
      from_at timestamptz,
      to_at timestamptz,
      status text not null check (status in ('queued', 'running', 'ready', 'failed')),
      rows_written bigint not null default 0,
      attempts integer not null default 0,
      lease_owner text,
      lease_expires_at timestamptz,
      object_key text,
      bytes bigint,
      reason text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`create index export_jobs_tenant_idx on export_jobs (tenant_id, created_at desc, id)`.execute(db);
  await sql`create index export_jobs_claimable_idx on export_jobs (created_at) where status in ('queued', 'running')`.execute(db);

  const tenant = sql`tenant_id = current_setting('app.current_tenant_id', true)`;
  const worker = sql`current_setting('app.export_worker', true) = 'on'`;
  await sql`alter table export_jobs enable row level security`.execute(db);
  await sql`alter table export_jobs force row level security`.execute(db);
  await sql`revoke all on export_jobs from public`.execute(db);
  await sql`grant select, insert, update on export_jobs to substream_api`.execute(db);
  await sql`create policy export_jobs_tenant_read on export_jobs for select to substream_api using (${tenant})`.execute(db);
  await sql`create policy export_jobs_tenant_queue on export_jobs for insert to substream_api with check (${tenant} and status = 'queued')`.execute(db);
  await sql`create policy export_jobs_worker on export_jobs for all to substream_api using (${worker}) with check (${worker})`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table export_jobs`.execute(db);
}
