import { setTimeout as sleep } from 'node:timers/promises';
import type { DayRange } from './types.ts';
import { reconcileTenant, type ReconcileDeps } from './run.ts';
import type { ReconciliationRun } from './runs.ts';
import { tenantsWithBooks } from './tenants.ts';

/**
 * Reconciles every tenant, one after the other (a tenant's failure is logged and the next goes
 * on): the finished runs, in order, and the tenants whose run failed.
 *
 * @example const { runs, failed } = await reconcileAll(deps, 'cli', { from: null, to: null });
 */
export async function reconcileAll(deps: ReconcileDeps, trigger: 'cli' | 'schedule', range: DayRange): Promise<{ runs: ReconciliationRun[]; failed: string[] }> {
  const runs: ReconciliationRun[] = [];
  const failed: string[] = [];
  for (const tenant of await tenantsWithBooks(deps.db)) {
    try {
      runs.push(await reconcileTenant(deps, tenant, trigger, range));
    } catch (error) {
      failed.push(tenant);
      deps.logger?.error({ err: error, tenant }, 'reconciliation failed');
    }
  }
  return { runs, failed };
}

/**
 * The daily job of `serve`: every `everyMs` (the first time one period after start), an all-time
 * run of every tenant's books, until `signal` aborts.
 *
 * @example await runReconciliationSchedule(deps, { everyMs: 24 * 3_600_000, signal });
 */
export async function runReconciliationSchedule(deps: ReconcileDeps, options: { everyMs: number; signal: AbortSignal }): Promise<void> {
  for (;;) {
    await sleep(options.everyMs, undefined, { signal: options.signal }).catch(() => undefined);
    if (options.signal.aborted) return;
    const { runs, failed } = await reconcileAll(deps, 'schedule', { from: null, to: null }).catch((error: unknown) => {
      deps.logger?.error({ err: error }, 'reconciliation: listing tenants failed');
      return { runs: [], failed: [] };
    });
    deps.logger?.info({ runs: runs.length, failed: failed.length, discrepancies: runs.reduce((n, r) => n + r.discrepancies, 0) }, 'daily reconciliation done');
  }
}
