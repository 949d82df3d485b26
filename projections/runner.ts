import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Transaction } from 'kysely';
import { comparePositions } from '../eventstore/log-position.ts';
import type { LogPosition } from '../eventstore/types.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { Database } from '../platform/schema.ts';
import { awaitCheckpoint, movedFrom } from './await-checkpoint.ts';
import { advanceCheckpoint, ensureCheckpoint, failCheckpoint, loadCheckpoint, lockProjector, REBUILD_SUFFIX, type Checkpoint, type ProjectionState } from './checkpoints.ts';
import { createReadAhead, type ReadAhead } from './read-ahead.ts';
import { readLogBatch } from './read-log.ts';
import { formatPosition } from './dead-letters.ts';
import { haltAt, isTransient, nextEvent, parkAt, poisonOf } from './failure-policy.ts';
import { ModelNewerThanCode, type Projector } from './types.ts';

export interface StepResult {
  /** Events read from the log (handled or not). */
  read: number;
  /** Events handed to `apply`. */
  applied: number;
  position: LogPosition;
  caughtUp: boolean;
}

export interface CatchUpResult {
  read: number;
  applied: number;
  batches: number;
  position: LogPosition;
}

/** The writer policy of every read model admits only transactions that set this flag. */
export async function beginWrite(trx: Transaction<Database>): Promise<void> {
  await sql`select set_config('app.projection_writer', 'on', true)`.execute(trx);
}

/**
 * `projectBatch` inside a transaction the caller owns (and commits): locks the checkpoint, reads
 * the log after it, hands the handled events to `apply` and advances the checkpoint. The rebuild's
 * swap uses it to apply the last batches in the transaction that also renames the tables.
 * With `ahead`, the batch is the one read ahead from exactly the locked checkpoint if there is one
 * (else it is read here), and after a full batch the next one is read ahead while this one applies.
 * A model built by a newer `version` than the code's stops it with `ModelNewerThanCode` (an older
 * one is stale and followed on). A rebuild's checkpoint (`<name>:rebuild`) stays `rebuilding`: only
 * the swap makes a model live.
 *
 * @example await db.transaction().execute((trx) => projectBatchIn(trx, projector, 5_000));
 */
export async function projectBatchIn(trx: Transaction<Database>, projector: Projector, batchSize: number, ahead?: ReadAhead): Promise<StepResult> {
  return projectLocked(trx, projector, batchSize, ahead, {});
}

/** `projectBatchIn`, telling `seen` which checkpoint the batch started from. */
async function projectLocked(
  trx: Transaction<Database>,
  projector: Projector,
  batchSize: number,
  ahead: ReadAhead | undefined,
  seen: { checkpoint?: Checkpoint },
): Promise<StepResult> {
  await beginWrite(trx);
  await lockProjector(trx, projector.name);
  const checkpoint = await loadCheckpoint(trx, projector.name);
  if (!checkpoint) throw new Error(`projector ${projector.name} has no checkpoint: call ensureCheckpoint first`);
  if (checkpoint.version > projector.version) throw new ModelNewerThanCode(projector.name, checkpoint.version, projector.version);
  seen.checkpoint = checkpoint;
  const read = { after: checkpoint.position, limit: batchSize, types: projector.handles, metadataFor: projector.metadataFor };
  const batch = await (ahead?.take(read.after) ?? readLogBatch(trx, read));
  const caughtUp = batch.scanned < batchSize;
  if (ahead && !caughtUp && batch.last) ahead.start({ ...read, after: batch.last });
  const settles = !projector.name.endsWith(REBUILD_SUFFIX) && (caughtUp || checkpoint.state === 'live');
  const state: ProjectionState = settles ? 'live' : 'rebuilding';
  if (!batch.last) {
    if (checkpoint.state !== state) await advanceCheckpoint(trx, projector.name, { position: checkpoint.position, applied: 0, state });
    return { read: 0, applied: 0, position: checkpoint.position, caughtUp };
  }
  const handled = batch.events;
  if (handled.length > 0) await projector.apply(trx, handled);
  const position = batch.last;
  await advanceCheckpoint(trx, projector.name, { position, applied: handled.length, state });
  return { read: batch.scanned, applied: handled.length, position, caughtUp };
}

/**
 * Applies at most one batch in its own transaction (`projectBatchIn`, with its `ahead`). A throw
 * rolls the batch back, records `failed` with the error, and rethrows: the projector never skips
 * an event, and a batch read ahead from the position it would have reached is never taken. The
 * checkpoint is marked only if it is still the one the batch started from (a rebuild's swap may
 * have replaced the model meanwhile), never for `ModelNewerThanCode` (the model is fine).
 *
 * @example
 * const ahead = createReadAhead(db);
 * const { caughtUp } = await projectBatch(db, projector, 5_000, ahead);
 */
export async function projectBatch(db: Db, projector: Projector, batchSize: number, ahead?: ReadAhead): Promise<StepResult> {
  const seen: { checkpoint?: Checkpoint } = {};
  try {
    return await db.transaction().execute((trx) => projectLocked(trx, projector, batchSize, ahead, seen));
  } catch (error) {
    if (seen.checkpoint) await failCheckpoint(db, projector.name, (error as Error)?.message ?? String(error), seen.checkpoint).catch(() => undefined);
    throw error;
  }
}

/** The position of the newest committed event, or undefined for an empty log. */
async function logEnd(db: Db): Promise<LogPosition | undefined> {
  const { rows } = await sql<{ commit: string; prepare: string }>`
    select transaction_id::text as commit, global_position::text as prepare from events
    order by transaction_id desc, global_position desc limit 1`.execute(db);
  return rows[0] && { commit: BigInt(rows[0].commit), prepare: BigInt(rows[0].prepare) };
}

const reached = (at: LogPosition, target: LogPosition): boolean => comparePositions(at, target) >= 0;

/**
 * Runs one projector until it has absorbed every event committed before the call, and returns
 * what it did. A transaction still in flight holds the gapless reader back (the log's horizon):
 * it then waits and polls rather than stopping short. Each next batch is read ahead on a second
 * pooled connection while the current one is applied (`createReadAhead`).
 *
 * @example const { read, applied } = await catchUp(db, subscriptionsProjector, { batchSize: 10_000 });
 */
export async function catchUp(db: Db, projector: Projector, options: { batchSize?: number; pollIntervalMs?: number } = {}): Promise<CatchUpResult> {
  const batchSize = options.batchSize ?? 5_000;
  await ensureCheckpoint(db, projector.name, projector.version);
  const target = await logEnd(db);
  const total: CatchUpResult = { read: 0, applied: 0, batches: 0, position: { commit: 0n, prepare: 0n } };
  const ahead = createReadAhead(db);
  for (;;) {
    const step = await projectBatch(db, projector, batchSize, ahead);
    total.read += step.read;
    total.applied += step.applied;
    total.position = step.position;
    if (step.read > 0) total.batches += 1;
    if (step.caughtUp && (!target || reached(step.position, target))) return total;
    if (step.read === 0) await sleep(options.pollIntervalMs ?? 10);
  }
}

export interface RunProjectorsOptions {
  batchSize?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Pause after reaching the end of the log before polling again. */
  pollIntervalMs?: number;
}

/** What the loop does after a failed batch. */
type Recovery = 'go-on' | 'halted' | 'retry';

/**
 * After a batch failed with an error that is not transient: applies the events after the checkpoint
 * one at a time (each committed with its checkpoint, like any batch) to find the one that fails,
 * then halts at it or parks it by the projector's policy, reporting it (dead letter, checkpoint,
 * log). An error that does not recur one event at a time (or a transient one meanwhile) is retried.
 */
async function recover(db: Db, projector: Projector, batchSize: number, log: Logger | undefined): Promise<Recovery> {
  for (let i = 0; i < batchSize; i++) {
    let failure: unknown;
    try {
      const step = await projectBatch(db, projector, 1);
      if (step.read === 0) return 'go-on';
      continue;
    } catch (error) {
      failure = error;
    }
    if (failure instanceof ModelNewerThanCode || isTransient(failure)) throw failure;
    const checkpoint = await loadCheckpoint(db, projector.name);
    const event = checkpoint && (await nextEvent(db, projector, checkpoint.position));
    if (!event) throw failure;
    const poison = poisonOf(projector, event, failure);
    const report = { position: formatPosition(event.position), type: event.type, streamId: event.streamId, eventId: event.id, error: poison.message };
    if ((projector.failurePolicy ?? 'halt') === 'park') {
      if (await parkAt(db, projector, poison)) log?.error(report, `event parked: ${projector.name} goes on without it (substream projections retry|skip ${projector.name} ${report.position})`);
      return 'go-on';
    }
    await haltAt(db, projector, poison);
    log?.error(report, `projector halted at an event it cannot apply (substream projections retry|skip ${projector.name} ${report.position})`);
    return 'halted';
  }
  return 'go-on';
}

/**
 * Runs every projector, each with its own checkpoint and loop, until the signal aborts. A batch
 * that fails with an error of the database or the network (`isTransient`) is retried with backoff,
 * each attempt logged and the checkpoint `failed` with the error meanwhile. Any other error is the
 * data's: the loop finds the event it stops on (`recover`) and, by the projector's `failurePolicy`,
 * halts before it (checkpoint `failed`, dead letter `halted`; it polls its checkpoint every
 * `pollIntervalMs` and follows again once `projections retry|skip`, a rebuild's swap or fixed code
 * moved it) or parks it (dead letter `parked`) and goes on. It never skips an event silently. One
 * whose model is newer than its code (`ModelNewerThanCode`) stops without touching the checkpoint
 * until the model's version is one it can follow. The others go on. Resolves once every loop has
 * stopped. Like `catchUp`, a loop reads its next batch ahead while applying the current one, so it
 * holds up to two connections.
 *
 * @example
 * const controller = new AbortController();
 * await runProjectors(db, allProjectors, { batchSize: 2_000, signal: controller.signal, logger });
 */
export async function runProjectors(db: Db, projectors: readonly Projector[], options: RunProjectorsOptions = {}): Promise<void> {
  const { batchSize = 2_000, signal, logger, pollIntervalMs = 200 } = options;
  const loop = async (projector: Projector): Promise<void> => {
    const log = logger?.child({ projector: projector.name });
    let backoff = 0;
    let attempts = 0;
    while (!signal?.aborted) {
      try {
        if (backoff > 0) await sleep(backoff, undefined, { signal }).catch(() => undefined);
        await ensureCheckpoint(db, projector.name, projector.version);
        const ahead = createReadAhead(db);
        while (!signal?.aborted) {
          const step = await projectBatch(db, projector, batchSize, ahead);
          backoff = 0;
          attempts = 0;
          if (step.read > 0) log?.debug({ read: step.read, applied: step.applied }, 'batch projected');
          if (step.caughtUp) await sleep(pollIntervalMs, undefined, { signal }).catch(() => undefined);
        }
      } catch (thrown) {
        let error = thrown;
        if (signal?.aborted) break;
        if (!(error instanceof ModelNewerThanCode) && !isTransient(error)) {
          try {
            const recovery = await recover(db, projector, batchSize, log);
            backoff = 0;
            if (recovery === 'go-on') continue;
            const stuck = await loadCheckpoint(db, projector.name).catch(() => undefined);
            await awaitCheckpoint(db, projector.name, (now) => !stuck || movedFrom(stuck, now), { intervalMs: pollIntervalMs, signal });
            if (!signal?.aborted) log?.info('checkpoint moved: projector follows again');
            continue;
          } catch (again) {
            error = again;
          }
        }
        if (error instanceof ModelNewerThanCode) {
          log?.error({ err: error, codeVersion: projector.version }, 'model is newer than this code: upgrade this process (projector stopped)');
          await awaitCheckpoint(db, projector.name, (now) => now.version <= projector.version, { intervalMs: pollIntervalMs, signal });
          backoff = 0;
          continue;
        }
        // The database or the network (connection lost, deadlock, …): retried with backoff, each attempt reported.
        attempts += 1;
        backoff = Math.min(Math.max(backoff * 2, 500), 30_000);
        log?.warn({ err: error, attempts, retryInMs: backoff }, 'projector batch failed on the database; retrying');
      }
    }
  };
  await Promise.all(projectors.map(loop));
}
