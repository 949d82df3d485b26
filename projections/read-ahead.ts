import { samePosition } from '../eventstore/log-position.ts';
import type { LogPosition } from '../eventstore/types.ts';
import type { Db } from '../platform/database.ts';
import { readLogBatch, type LogBatch, type LogBatchOptions } from './read-log.ts';

/**
 * One projector's next batch, read on another pooled connection while the current batch is
 * applied. It is a gapless window like any `readLogBatch` (below its own horizon, which the
 * applying transaction's own xid may hold lower: it then reads less, never past a gap), but only
 * after the position it started from: the lock holder takes it only if the checkpoint is exactly
 * there, so one started by a batch that failed, or overtaken by another runner or a rebuild's
 * swap, is dropped and the batch is read again under the lock.
 */
export interface ReadAhead {
  /** Starts reading the batch after `options.after`, dropping any read-ahead still pending. */
  start(options: LogBatchOptions): void;
  /** The batch read ahead from `after`, or undefined (none, or one from another position: dropped). */
  take(after: LogPosition): Promise<LogBatch> | undefined;
}

/**
 * A `ReadAhead` over `db`'s pool; one per projector loop.
 *
 * @example
 * const ahead = createReadAhead(db);
 * await projectBatch(db, projector, 10_000, ahead); // reads batch 1, reads batch 2 ahead while applying 1
 * await projectBatch(db, projector, 10_000, ahead); // takes batch 2 if the checkpoint is where 1 left it
 */
export function createReadAhead(db: Db): ReadAhead {
  let pending: { after: LogPosition; batch: Promise<LogBatch> } | undefined;
  return {
    start(options) {
      const batch = readLogBatch(db, options);
      // A dropped read-ahead's failure concerns no one; a taken one's reaches the lock holder.
      batch.catch(() => undefined);
      pending = { after: options.after, batch };
    },
    take(after) {
      const taken = pending;
      pending = undefined;
      return taken && samePosition(taken.after, after) ? taken.batch : undefined;
    },
  };
}
