import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import { claimExport, finishExport } from './jobs.ts';
import type { ExportStore } from './object-store.ts';
import { ExportLeaseLost, runExport } from './run-export.ts';

export interface ExportWorkerOptions {
  db: Db;
  store: ExportStore;
  leaseSeconds: number;
  /** This worker's name in `lease_owner`; default a random one. */
  worker?: string;
  logger?: Logger;
}

/**
 * Claims and runs one export job: true when there was one (ready, failed, or its lease lost),
 * false when none was waiting. A failure of the run (a bad bucket, a dropped connection) fails
 * the job with its message; a crash leaves the lease to expire, and a later claim restarts it.
 *
 * @example while (await runNextExport({ db, store, leaseSeconds: 60 })) {}
 */
export async function runNextExport(options: ExportWorkerOptions): Promise<boolean> {
  const worker = options.worker ?? `exports-${randomUUID()}`;
  const job = await claimExport(options.db, worker, options.leaseSeconds);
  if (!job) return false;
  const log = options.logger?.child({ exportId: job.id, tenant: job.tenant_id, dataset: job.dataset, attempt: job.attempts });
  try {
    const { rows, bytes, objectKey } = await runExport({ db: options.db, store: options.store, worker, leaseSeconds: options.leaseSeconds }, job);
    await finishExport(options.db, job.id, worker, { status: 'ready', objectKey, bytes, rowsWritten: rows });
    log?.info({ rows: String(rows), bytes: String(bytes) }, 'export ready');
  } catch (error) {
    if (error instanceof ExportLeaseLost) {
      log?.warn('export lease lost to another worker: stopped');
      return true;
    }
    log?.error({ err: error }, 'export failed');
    await finishExport(options.db, job.id, worker, { status: 'failed', reason: (error instanceof Error ? error.message : String(error)).slice(0, 500) });
  }
  return true;
}

/**
 * Runs export jobs until `signal` aborts, looking for new ones every `pollMs` when idle; a job in
 * flight when it aborts is finished first.
 *
 * @example await runExportWorker({ db, store, leaseSeconds: 60, pollMs: 1000, signal });
 */
export async function runExportWorker(options: ExportWorkerOptions & { pollMs: number; signal: AbortSignal }): Promise<void> {
  const worker = options.worker ?? `exports-${randomUUID()}`;
  while (!options.signal.aborted) {
    let worked = false;
    try {
      worked = await runNextExport({ ...options, worker });
    } catch (error) {
      options.logger?.error({ err: error }, 'export worker: claiming a job failed');
    }
    if (!worked) await sleep(options.pollMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
