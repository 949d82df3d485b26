import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';

export interface RetentionOptions {
  /** Records created longer ago than this are deleted (IDEMPOTENCY_RETENTION_HOURS). */
  retentionHours: number;
  /** Rows deleted per statement (default 1000): a sweep never holds a long lock or a huge WAL burst. */
  batchSize?: number;
  signal?: AbortSignal;
}

export interface RetentionResult {
  deleted: number;
  /** Delete statements run (the last one deleted fewer than `batchSize`). */
  batches: number;
}

/**
 * Deletes the Idempotency-Key records created more than `retentionHours` ago, `batchSize` rows a
 * statement until none is left. Past retention a record is no answer any more (the claim takes
 * the key over, see plugins/idempotency.ts); an unfinished claim that old is abandoned (its lease
 * is minutes), so it goes too. Rows locked by a concurrent claim are skipped, not waited for.
 *
 * @example const { deleted } = await sweepIdempotencyKeys(db, { retentionHours: 24 });
 */
export async function sweepIdempotencyKeys(db: Db, options: RetentionOptions): Promise<RetentionResult> {
  const { retentionHours, batchSize = 1000, signal } = options;
  const result: RetentionResult = { deleted: 0, batches: 0 };
  while (!signal?.aborted) {
    const { numAffectedRows } = await sql`
      delete from idempotency_keys where (principal, key) in (
        select principal, key from idempotency_keys
        where created_at < now() - make_interval(hours => ${retentionHours})
        order by created_at limit ${batchSize} for update skip locked)`.execute(db);
    const deleted = Number(numAffectedRows ?? 0n);
    result.deleted += deleted;
    result.batches += 1;
    if (deleted < batchSize) break;
  }
  return result;
}

export interface IdempotencySweeperOptions extends RetentionOptions {
  /** Pause between rounds (IDEMPOTENCY_SWEEP_SECONDS × 1000). */
  intervalMs: number;
  logger?: Logger;
}

/**
 * Runs `sweepIdempotencyKeys` now and then every `intervalMs` until the signal aborts (`serve` runs
 * it on every instance; concurrent sweeps skip each other's rows). A failed round is logged and
 * retried at the next interval: the loop never throws.
 *
 * @example const sweeping = runIdempotencySweeper(db, { retentionHours: 24, intervalMs: 300_000, signal });
 */
export async function runIdempotencySweeper(db: Db, options: IdempotencySweeperOptions): Promise<void> {
  const { intervalMs, signal, logger: parent, ...sweep } = options;
  const logger = parent?.child({ job: 'idempotency-sweeper' });
  while (!signal?.aborted) {
    try {
      const result = await sweepIdempotencyKeys(db, { ...sweep, ...(signal ? { signal } : {}) });
      if (result.deleted > 0) logger?.info(result, 'idempotency records past retention deleted');
    } catch (error) {
      if (!signal?.aborted) logger?.warn({ err: error, retryInMs: intervalMs }, 'idempotency sweep failed; retrying');
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
  }
}
