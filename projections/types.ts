import type { Kysely, Transaction } from 'kysely';
import type { RecordedEvent } from '../eventstore/types.ts';
import type { Database } from '../platform/schema.ts';

export type Conn = Kysely<Database> | Transaction<Database>;

/**
 * A read model fed from the global log. `apply` receives, in log order, only the events whose type
 * is in `handles`, inside the transaction that also advances the checkpoint: it must write with
 * set-based upserts and may throw to stop the projector (nothing of the batch is kept).
 * Bumping `version` makes the runner `reset` the model and rebuild it from the start of the log.
 *
 * @example
 * const projector: Projector = { name: 'creators', version: 1, handles: ['CreatorRegistered'], apply, reset };
 */
export interface Projector {
  name: string;
  version: number;
  handles: readonly string[];
  apply(trx: Transaction<Database>, events: RecordedEvent[]): Promise<void>;
  /** Empties the read model before a rebuild from position 0. */
  reset?(trx: Transaction<Database>): Promise<void>;
}

/** Wraps an error thrown while folding one event, naming the event so `last_error` is actionable. */
export class ProjectionError extends Error {
  override name = 'ProjectionError';
  constructor(projector: string, event: RecordedEvent, cause: unknown) {
    super(
      `${projector}: cannot apply ${event.type} ${event.id} (stream ${event.streamId}@${event.streamRevision}, ` +
        `position ${event.position.commit}/${event.position.prepare}): ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
  }
}
