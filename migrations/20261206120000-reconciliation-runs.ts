import { sql, type Kysely } from 'kysely';

/**
 * `reconciliation_runs`: each reconciliation of one tenant's books (reconciliation/runs.ts) and its
 * report, under row-level security.
 *
 * - Tenant policy (substream_api): a tenant starts, reads and finishes its own runs
 *   (`tenant_id` = `app.current_tenant_id`); the CLI and the daily job set each tenant in turn.
 * - Metrics policy (substream_api, read only): with `app.reconciliation_metrics = on` the scrape
 *   reads every tenant's rows (platform/metrics-reconciliation.ts selects only the counts): a
 *   convention of trusted code, like the export worker's setting.
 *
 * The reconciliation also reads `indexer_ranges` (gaps make a run incomplete): granted here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table reconciliation_runs (
      id uuid primary key,
      tenant_id text not null check (tenant_id <> ''),
      trigger text not null check (trigger in ('api', 'cli', 'schedule')),
      from_day date,
      to_day date,
      status text not null check (status in ('running', 'finished', 'failed')),
      complete boolean,
      discrepancies integer not null default 0,
      report jsonb,
      reason text,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`create index reconciliation_runs_tenant_idx on reconciliation_runs (tenant_id, created_at desc, id)`.execute(db);

  const tenant = sql`tenant_id = current_setting('app.current_tenant_id', true)`;
  const metrics = sql`current_setting('app.reconciliation_metrics', true) = 'on'`;
  await sql`alter table reconciliation_runs enable row level security`.execute(db);
  await sql`alter table reconciliation_runs force row level security`.execute(db);
  await sql`revoke all on reconciliation_runs from public`.execute(db);
  await sql`grant select, insert, update on reconciliation_runs to substream_api`.execute(db);
  await sql`create policy reconciliation_runs_tenant on reconciliation_runs for all to substream_api using (${tenant}) with check (${tenant})`.execute(db);
  await sql`create policy reconciliation_runs_metrics on reconciliation_runs for select to substream_api using (${metrics})`.execute(db);
  await sql`grant select on indexer_ranges to substream_api`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`revoke select on indexer_ranges from substream_api`.execute(db);
  await sql`drop table reconciliation_runs`.execute(db);
}
