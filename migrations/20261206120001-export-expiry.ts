import { sql, type Kysely } from 'kysely';

/**
 * Exports: the `view-events` dataset, and the `expired` status the expiry sweeper
 * (exports/expiry.ts) gives a ready export once its object is deleted.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table export_jobs drop constraint export_jobs_dataset_check, drop constraint export_jobs_status_check`.execute(db);
  await sql`alter table export_jobs
    add constraint export_jobs_dataset_check check (dataset in ('subscribers', 'billing', 'streams', 'invoice-links', 'view-events')),
    add constraint export_jobs_status_check check (status in ('queued', 'running', 'ready', 'failed', 'expired'))`.execute(db);
  await sql`create index export_jobs_expirable_idx on export_jobs (finished_at) where status = 'ready'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index export_jobs_expirable_idx`.execute(db);
  await sql`alter table export_jobs drop constraint export_jobs_dataset_check, drop constraint export_jobs_status_check`.execute(db);
  await sql`alter table export_jobs
    add constraint export_jobs_dataset_check check (dataset in ('subscribers', 'billing', 'streams', 'invoice-links')),
    add constraint export_jobs_status_check check (status in ('queued', 'running', 'ready', 'failed'))`.execute(db);
}
