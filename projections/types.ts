import type { Kysely, Transaction } from 'kysely';
import type { RecordedEvent } from '../eventstore/types.ts';
import type { Database } from '../platform/schema.ts';
import type { FailurePolicy } from './failure-policy.ts';

export type Conn = Kysely<Database> | Transaction<Database>;

/** Live table name → the name a rebuild writes instead (`subscriptions` → `subscriptions__next`). */
export type TableNames = Readonly<Record<string, string>>;

/** The table a projector writes for `live`, under `tables` (the live name when it is not mapped). */
export function tableFor(tables: TableNames | undefined, live: string): string {
  return tables?.[live] ?? live;
}

/**
 * A read model fed from the global log. `apply` receives, in log order, only the events whose type
 * is in `handles`, inside the transaction that also advances the checkpoint: it must write with
 * set-based upserts and may throw to stop the projector (nothing of the batch is kept).
 * Bumping `version` marks the stored model stale: `substream projections rebuild` (or start-up with
 * PROJECTIONS_AUTO_REBUILD=true) builds it again aside and swaps it in (projections/rebuild.ts).
 *
 * @example
 * const projector = createCreatorsProjector(); // { name: 'creators', version: 1, tables: ['creators'], … }
 * const rebuild = projector.withTables({ creators: 'creators__next' }, 'creators:rebuild');
 */
export interface Projector {
  name: string;
  version: number;
  handles: readonly string[];
  /**
   * The handled types whose `metadata` `apply` reads (absent: all of `handles`). The log reader
   * fetches it only for those; reading it on any other event throws (projections/read-log.ts).
   */
  metadataFor?: readonly string[];
  /** Every read-model table `apply` writes: what a rebuild clones, fills and swaps in. */
  tables: readonly string[];
  apply(trx: Transaction<Database>, events: RecordedEvent[]): Promise<void>;
  /** What the runner does at an event `apply` cannot take (projections/failure-policy.ts); absent: `halt`. */
  failurePolicy?: FailurePolicy;
  /** The same projector (same version) writing to other tables under another checkpoint name. */
  withTables(tables: TableNames, name: string): Projector;
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

/**
 * The stored model was built by a newer `version` than this code's (a rebuild by newer code swapped
 * it in, e.g. mid rolling deploy): this process must not write into it. Not retried, and the
 * checkpoint is not marked failed: the model is fine, the process is out of date.
 */
export class ModelNewerThanCode extends Error {
  override name = 'ModelNewerThanCode';
  readonly projector: string;

  constructor(projector: string, stored: number, code: number) {
    super(`${projector}: model is newer than this code: upgrade this process (stored version ${stored}, code version ${code})`);
    this.projector = projector;
  }
}
