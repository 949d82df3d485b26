import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { asApiRole } from '../platform/api-role.ts';
import type { Db } from '../platform/database.ts';
import type { Database, ReconciliationRunsTable } from '../platform/schema.ts';
import type { DayRange, ReconciliationReport } from './types.ts';

export type ReconciliationRun = Selectable<ReconciliationRunsTable>;

/** `fn` as `substream_api` under the tenant's row-level security (tenant policy of reconciliation_runs). */
export const asTenant = <T>(db: Db, tenant: string, fn: (trx: Kysely<Database>) => Promise<T>, options: { repeatableRead?: boolean } = {}) =>
  asApiRole(db, { 'app.current_tenant_id': tenant }, fn, options);

/**
 * Records a run of `tenant`'s books as running.
 *
 * @example const run = await startRun(db, tenant, 'api', { from: null, to: null });
 */
export async function startRun(db: Db, tenant: string, trigger: ReconciliationRun['trigger'], range: DayRange): Promise<ReconciliationRun> {
  return asTenant(db, tenant, (trx) => trx.insertInto('reconciliation_runs')
    .values({ id: randomUUID(), tenant_id: tenant, trigger, from_day: range.from, to_day: range.to, status: 'running' })
    .returningAll().executeTakeFirstOrThrow());
}

/**
 * Ends a run: finished with its report, or failed with a reason.
 *
 * @example await finishRun(db, run, { status: 'finished', report });
 */
export async function finishRun(
  db: Db, run: Pick<ReconciliationRun, 'id' | 'tenant_id'>, outcome: { status: 'finished'; report: ReconciliationReport } | { status: 'failed'; reason: string },
): Promise<ReconciliationRun> {
  const values = outcome.status === 'finished'
    ? { status: 'finished' as const, complete: outcome.report.complete, discrepancies: outcome.report.discrepancies.length, report: JSON.stringify(outcome.report) }
    : { status: 'failed' as const, reason: outcome.reason };
  return asTenant(db, run.tenant_id, (trx) => trx.updateTable('reconciliation_runs')
    .set({ ...values, finished_at: sql`now()` }).where('id', '=', run.id).returningAll().executeTakeFirstOrThrow());
}

/**
 * One of the tenant's runs, or undefined (another tenant's run is invisible, as an unknown id).
 *
 * @example const run = await getRun(db, tenant, id);
 */
export async function getRun(db: Db, tenant: string, id: string): Promise<ReconciliationRun | undefined> {
  return asTenant(db, tenant, (trx) => trx.selectFrom('reconciliation_runs').selectAll().where('id', '=', id).executeTakeFirst());
}

/**
 * The tenant's runs, newest first, without their reports.
 *
 * @example const runs = await listRuns(db, tenant, 50);
 */
export async function listRuns(db: Db, tenant: string, limit: number): Promise<Omit<ReconciliationRun, 'report'>[]> {
  return asTenant(db, tenant, (trx) => trx.selectFrom('reconciliation_runs')
    .select(['id', 'tenant_id', 'trigger', 'from_day', 'to_day', 'status', 'complete', 'discrepancies', 'reason', 'created_at', 'finished_at'])
    .orderBy('created_at', 'desc').orderBy('id').limit(limit).execute());
}
