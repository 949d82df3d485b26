import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { asApiRole } from '../platform/api-role.ts';
import type { Db } from '../platform/database.ts';
import type { Database, ExportJobsTable } from '../platform/schema.ts';
import type { Dataset, ExportRange } from './datasets.ts';
import type { ExportFormat } from './encode.ts';

export type ExportJob = Selectable<ExportJobsTable>;

/** A claimed job lost after this many leases (a worker crashing on it each time) is failed, not retried. */
export const MAX_EXPORT_ATTEMPTS = 3;

/** The tenant's own jobs only (tenant policy of export_jobs). */
const asTenant = <T>(db: Db, tenant: string, fn: (trx: Kysely<Database>) => Promise<T>) => asApiRole(db, { 'app.current_tenant_id': tenant }, fn);
/** Any tenant's job (worker policy of export_jobs): for the export worker alone. */
const asWorker = <T>(db: Db, fn: (trx: Kysely<Database>) => Promise<T>) => asApiRole(db, { 'app.export_worker': 'on' }, fn);

/**
 * Queues an export for `tenant`.
 *
 * @example const job = await queueExport(db, tenant, { dataset: 'billing', format: 'csv', from: null, to: null });
 */
export async function queueExport(db: Db, tenant: string, input: { dataset: Dataset; format: ExportFormat } & ExportRange): Promise<ExportJob> {
  return asTenant(db, tenant, (trx) =>
    trx.insertInto('export_jobs')
      .values({ id: randomUUID(), tenant_id: tenant, dataset: input.dataset, format: input.format, from_at: input.from, to_at: input.to, status: 'queued' })
      .returningAll().executeTakeFirstOrThrow());
}

/**
 * One of the tenant's jobs, or undefined (another tenant's job is invisible, as an unknown id).
 *
 * @example const job = await getExport(db, tenant, id);
 */
export async function getExport(db: Db, tenant: string, id: string): Promise<ExportJob | undefined> {
  return asTenant(db, tenant, (trx) => trx.selectFrom('export_jobs').selectAll().where('id', '=', id).executeTakeFirst());
}

/**
 * The tenant's jobs, newest first.
 *
 * @example const jobs = await listExports(db, tenant, 50);
 */
export async function listExports(db: Db, tenant: string, limit: number): Promise<ExportJob[]> {
  return asTenant(db, tenant, (trx) => trx.selectFrom('export_jobs').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).execute());
}

/**
 * Claims the oldest job that is queued or whose lease expired (its worker died), for `leaseSeconds`:
 * `FOR UPDATE SKIP LOCKED` hands one job to one worker even when many claim at once, and a job
 * restarts from its first row (`rows_written` back to 0). A job whose leases expired
 * MAX_EXPORT_ATTEMPTS times is failed instead.
 *
 * @example const job = await claimExport(db, 'worker-1', 60);
 */
export async function claimExport(db: Db, worker: string, leaseSeconds: number): Promise<ExportJob | undefined> {
  return asWorker(db, async (trx) => {
    await trx.updateTable('export_jobs')
      .set({ status: 'failed', reason: `the export was interrupted ${MAX_EXPORT_ATTEMPTS} times`, lease_owner: null, finished_at: sql`now()`, updated_at: sql`now()` })
      .where('status', '=', 'running').where('lease_expires_at', '<', sql<Date>`now()`).where('attempts', '>=', MAX_EXPORT_ATTEMPTS)
      .execute();
    const next = trx.selectFrom('export_jobs').select('id')
      .where((w) => w.or([w('status', '=', 'queued'), w.and([w('status', '=', 'running'), w('lease_expires_at', '<', sql<Date>`now()`)])]))
      .orderBy('created_at').limit(1).forUpdate().skipLocked();
    return trx.updateTable('export_jobs')
      .set({
        status: 'running', lease_owner: worker, lease_expires_at: sql`now() + make_interval(secs => ${leaseSeconds})`,
        attempts: sql`attempts + 1`, rows_written: '0', updated_at: sql`now()`,
      })
      .where('id', '=', (eb) => eb.selectFrom(next.as('next')).select('next.id'))
      .returningAll().executeTakeFirst();
  });
}

/**
 * Records progress and extends the lease, while `worker` still holds it: false when the lease
 * was lost (expired and claimed by another worker), and the caller must stop.
 *
 * @example if (!(await renewExportLease(db, job.id, worker, 60, rows))) throw new LeaseLost();
 */
export async function renewExportLease(db: Db, id: string, worker: string, leaseSeconds: number, rowsWritten: bigint): Promise<boolean> {
  const result = await asWorker(db, (trx) => trx.updateTable('export_jobs')
    .set({ rows_written: rowsWritten, lease_expires_at: sql`now() + make_interval(secs => ${leaseSeconds})`, updated_at: sql`now()` })
    .where('id', '=', id).where('lease_owner', '=', worker).where('status', '=', 'running')
    .executeTakeFirst());
  return result.numUpdatedRows === 1n;
}

/**
 * Ends a job `worker` holds: ready with its object, or failed with a reason. False when the lease was lost.
 *
 * @example await finishExport(db, job.id, worker, { status: 'ready', objectKey, bytes, rowsWritten });
 */
export async function finishExport(
  db: Db, id: string, worker: string,
  outcome: { status: 'ready'; objectKey: string; bytes: bigint; rowsWritten: bigint } | { status: 'failed'; reason: string },
): Promise<boolean> {
  const values = outcome.status === 'ready'
    ? { status: 'ready' as const, object_key: outcome.objectKey, bytes: outcome.bytes, rows_written: outcome.rowsWritten }
    : { status: 'failed' as const, reason: outcome.reason };
  const result = await asWorker(db, (trx) => trx.updateTable('export_jobs')
    .set({ ...values, lease_owner: null, lease_expires_at: null, finished_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id).where('lease_owner', '=', worker).where('status', '=', 'running')
    .executeTakeFirst());
  return result.numUpdatedRows === 1n;
}

/**
 * Ready jobs finished more than `ttlHours` ago (any tenant: worker policy), oldest first.
 *
 * @example const old = await expirableExports(db, 24, 100);
 */
export async function expirableExports(db: Db, ttlHours: number, limit: number): Promise<Pick<ExportJob, 'id' | 'object_key'>[]> {
  return asWorker(db, (trx) => trx.selectFrom('export_jobs').select(['id', 'object_key'])
    .where('status', '=', 'ready').where('finished_at', '<', sql<Date>`now() - make_interval(hours => ${ttlHours})`)
    .orderBy('finished_at').limit(limit).execute());
}

/**
 * Marks a ready job expired (its object deleted): false when it was no longer ready.
 *
 * @example await markExportExpired(db, job.id);
 */
export async function markExportExpired(db: Db, id: string): Promise<boolean> {
  const result = await asWorker(db, (trx) => trx.updateTable('export_jobs')
    .set({ status: 'expired', updated_at: sql`now()` }).where('id', '=', id).where('status', '=', 'ready').executeTakeFirst());
  return result.numUpdatedRows === 1n;
}
