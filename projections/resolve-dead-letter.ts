import { samePosition } from '../eventstore/log-position.ts';
import { readStreamEvents } from '../eventstore/postgres/read.ts';
import type { LogPosition } from '../eventstore/types.ts';
import type { Db } from '../platform/database.ts';
import { advanceCheckpoint, loadCheckpoint, lockProjector, REBUILD_SUFFIX } from './checkpoints.ts';
import { formatPosition, loadDeadLetter, resolveDeadLetter, type DeadLetter } from './dead-letters.ts';
import { haltAt, nextEvent, poisonOf } from './failure-policy.ts';
import { beginWrite, projectBatch } from './runner.ts';
import type { Projector } from './types.ts';

/** There is no open (`halted` or `parked`) dead letter at that position, or the projector no longer stands before it. */
export class NothingToResolve extends Error {
  override name = 'NothingToResolve';
}

export interface Resolution {
  deadLetter: DeadLetter;
  /** `retried`: the event is applied now; `skipped`: resolved without it; `failed`: a retry failed again (it stays open). */
  outcome: 'retried' | 'skipped' | 'failed';
  error?: string;
}

async function openDeadLetter(db: Db, projector: Projector, position: LogPosition): Promise<DeadLetter> {
  const deadLetter = await loadDeadLetter(db, projector.name, position);
  if (!deadLetter || (deadLetter.status !== 'halted' && deadLetter.status !== 'parked')) {
    throw new NothingToResolve(`${projector.name} has no halted or parked event at ${formatPosition(position)}${deadLetter ? ` (it is ${deadLetter.status})` : ''}`);
  }
  return deadLetter;
}

/** A halted projector's checkpoint must sit right before the dead letter: the next event it handles is that one. */
async function assertHaltedBefore(db: Db, projector: Projector, position: LogPosition): Promise<void> {
  const checkpoint = await loadCheckpoint(db, projector.name);
  const next = checkpoint && (await nextEvent(db, projector, checkpoint.position));
  if (!next || !samePosition(next.position, position)) {
    throw new NothingToResolve(`${projector.name} no longer stands before ${formatPosition(position)} (its checkpoint moved): nothing to do`);
  }
}

/**
 * `substream projections retry <name> <position>`: applies the dead letter's event now. A halted
 * projector applies it as its next batch (on success it is live again and the running loop follows
 * on; on failure it stays halted with the new error). A parked event is applied on its own, after
 * the events that followed it (so only for projectors whose model tolerates that: the `park` ones).
 *
 * @example const { outcome } = await retryDeadLetter(db, contentProjector, { commit: 812n, prepare: 4031n });
 */
export async function retryDeadLetter(db: Db, projector: Projector, position: LogPosition): Promise<Resolution> {
  const deadLetter = await openDeadLetter(db, projector, position);
  if (deadLetter.status === 'halted') {
    await assertHaltedBefore(db, projector, position);
    try {
      await projectBatch(db, projector, 1);
    } catch (error) {
      const event = await nextEvent(db, projector, (await loadCheckpoint(db, projector.name))!.position);
      const poison = poisonOf(projector, event!, error);
      await haltAt(db, projector, poison);
      return { deadLetter, outcome: 'failed', error: poison.message };
    }
    await resolveDeadLetter(db, projector.name, position, 'retried');
    return { deadLetter, outcome: 'retried' };
  }
  const event = (await readStreamEvents(db, deadLetter.streamId, { fromRevision: deadLetter.streamRevision, limit: 1 }))[0];
  if (!event || event.id !== deadLetter.eventId) throw new NothingToResolve(`event ${deadLetter.eventId} is no longer in the log`);
  try {
    await db.transaction().execute(async (trx) => {
      await beginWrite(trx);
      await lockProjector(trx, projector.name);
      await projector.apply(trx, [event]);
      await resolveDeadLetter(trx, projector.name, position, 'retried');
    });
    return { deadLetter, outcome: 'retried' };
  } catch (error) {
    const message = poisonOf(projector, event, error).message;
    await resolveDeadLetter(db, projector.name, position, 'parked', message);
    return { deadLetter, outcome: 'failed', error: message };
  }
}

/**
 * `substream projections skip <name> <position>`: resolves the dead letter without applying its
 * event. A halted projector's checkpoint moves past it (the running loop follows on); a parked
 * event is only marked skipped. The row stays, as the record of what the model lacks.
 *
 * @example await skipDeadLetter(db, subscriptionsProjector, { commit: 812n, prepare: 4031n });
 */
export async function skipDeadLetter(db: Db, projector: Projector, position: LogPosition): Promise<Resolution> {
  const deadLetter = await openDeadLetter(db, projector, position);
  if (deadLetter.status === 'halted') {
    await db.transaction().execute(async (trx) => {
      await lockProjector(trx, projector.name);
      const checkpoint = await loadCheckpoint(trx, projector.name);
      const next = checkpoint && (await nextEvent(trx, projector, checkpoint.position));
      if (!next || !samePosition(next.position, position)) {
        throw new NothingToResolve(`${projector.name} no longer stands before ${formatPosition(position)} (its checkpoint moved): nothing to do`);
      }
      const state = projector.name.endsWith(REBUILD_SUFFIX) ? 'rebuilding' : 'live';
      await advanceCheckpoint(trx, projector.name, { position, applied: 0, state });
      await resolveDeadLetter(trx, projector.name, position, 'skipped');
    });
  } else {
    await resolveDeadLetter(db, projector.name, position, 'skipped');
  }
  return { deadLetter, outcome: 'skipped' };
}
