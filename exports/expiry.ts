import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import { expirableExports, markExportExpired } from './jobs.ts';
import type { ExportStore } from './object-store.ts';

export interface ExportExpiryOptions {
  db: Db;
  store: ExportStore;
  /** How long after it is ready an export is kept (EXPORT_TTL_HOURS). */
  ttlHours: number;
  logger?: Logger;
}

/** Exports expired per sweep at most; the next sweep takes the rest. */
const SWEEP_LIMIT = 500;

/**
 * Deletes the object of every ready export older than `ttlHours`, then marks the job expired:
 * the object goes first, so a crash in between leaves a ready job whose link fails and the next
 * sweep expires it; never an expired job whose file is still there. Sweepers running at once
 * delete the same object twice at worst (S3 deletes are idempotent).
 *
 * @example const { expired } = await expireExports({ db, store, ttlHours: 24 });
 */
export async function expireExports(options: ExportExpiryOptions): Promise<{ expired: number }> {
  let expired = 0;
  for (const job of await expirableExports(options.db, options.ttlHours, SWEEP_LIMIT)) {
    if (job.object_key !== null) await options.store.remove(job.object_key);
    if (await markExportExpired(options.db, job.id)) expired += 1;
  }
  if (expired > 0) options.logger?.info({ expired }, 'exports expired');
  return { expired };
}

/**
 * Expires old exports every `intervalMs` until `signal` aborts (a failed sweep is logged and retried next time).
 *
 * @example await runExportExpirySweeper({ db, store, ttlHours: 24, intervalMs: 600_000, signal });
 */
export async function runExportExpirySweeper(options: ExportExpiryOptions & { intervalMs: number; signal: AbortSignal }): Promise<void> {
  while (!options.signal.aborted) {
    await expireExports(options).catch((error: unknown) => options.logger?.error({ err: error }, 'export expiry sweep failed'));
    await sleep(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
