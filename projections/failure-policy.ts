import type { LogPosition, RecordedEvent } from '../eventstore/types.ts';
import type { Db } from '../platform/database.ts';
import { advanceCheckpoint, failCheckpoint, loadCheckpoint, lockProjector, REBUILD_SUFFIX } from './checkpoints.ts';
import { recordDeadLetter } from './dead-letters.ts';
import { readLogBatch } from './read-log.ts';
import { ProjectionError, type Conn, type Projector } from './types.ts';

/**
 * What a projector does at an event it cannot apply: `halt` stops before it (the default: a money
 * read model must not go on without one of its facts), `park` sets it aside in
 * `projection_dead_letters` and goes on. Either way the event is reported (status, logs, metric)
 * and `substream projections retry|skip <name> <position>` resolves it.
 */
export type FailurePolicy = 'halt' | 'park';

/** An event a projector cannot apply, with why. */
export interface Poison {
  event: RecordedEvent;
  /** The error, naming the projector, event, stream and position (a `ProjectionError`'s message). */
  message: string;
}

const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)|^55P03$/;
const TRANSIENT_MESSAGE = /connection terminated|connection timeout|timeout exceeded when trying to connect|connection error|pool after calling end/i;

/**
 * Whether an error is the database's or the network's (connection lost, serialization failure,
 * deadlock, server shutting down, out of resources) rather than the event's: retried as it is, with
 * backoff. Anything else, a data error included, is the event's.
 *
 * @example isTransient(Object.assign(new Error('deadlock detected'), { code: '40P01' })) // true
 */
export function isTransient(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE.test(code);
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
    if (typeof message === 'string' && TRANSIENT_MESSAGE.test(message)) return true;
  }
  return false;
}

/**
 * The first event after `after` that `projector` handles, reading one event of the log (so
 * undefined when the next one is of a type it does not handle).
 */
export async function nextEvent(conn: Conn, projector: Projector, after: LogPosition): Promise<RecordedEvent | undefined> {
  const batch = await readLogBatch(conn, { after, limit: 1, types: projector.handles, metadataFor: projector.metadataFor });
  return batch.events[0];
}

/** The poison's error as one actionable line (projector, event type and id, stream@revision, position, cause). */
export function poisonOf(projector: Projector, event: RecordedEvent, error: unknown): Poison {
  return { event, message: error instanceof ProjectionError ? error.message : new ProjectionError(projector.name, event, error).message };
}

/**
 * Halts `projector` before the poison: the checkpoint goes `failed` with the message and the event
 * is recorded `halted`, both in one transaction.
 *
 * @example await haltAt(db, subscriptionsProjector, poison);
 */
export async function haltAt(db: Db, projector: Projector, poison: Poison): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await recordDeadLetter(trx, projector.name, poison.event, 'halted', poison.message);
    await failCheckpoint(trx, projector.name, poison.message);
  });
}

/**
 * Parks the poison and moves the checkpoint past it, in one transaction under the projector's lock,
 * only while the checkpoint still sits right before it (another runner may have moved it). Returns
 * whether it parked.
 *
 * @example if (await parkAt(db, contentProjector, poison)) log.warn(…);
 */
export async function parkAt(db: Db, projector: Projector, poison: Poison): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockProjector(trx, projector.name);
    const checkpoint = await loadCheckpoint(trx, projector.name);
    const next = checkpoint && (await nextEvent(trx, projector, checkpoint.position));
    if (!next || next.id !== poison.event.id) return false;
    await recordDeadLetter(trx, projector.name, poison.event, 'parked', poison.message);
    const state = projector.name.endsWith(REBUILD_SUFFIX) ? 'rebuilding' : 'live';
    await advanceCheckpoint(trx, projector.name, { position: poison.event.position, applied: 0, state });
    return true;
  });
}
