import { sql } from 'kysely';
import type { LogPosition } from '../eventstore/types.ts';
import { CHECKPOINT_CHANNEL } from '../platform/checkpoint-watch.ts';
import type { Conn } from './types.ts';

export type ProjectionState = 'live' | 'rebuilding' | 'failed';

/** The checkpoint of a projector's build-aside rebuild is `<name>:rebuild` (projections/rebuild.ts). */
export const REBUILD_SUFFIX = ':rebuild';

export interface Checkpoint {
  name: string;
  version: number;
  position: LogPosition;
  state: ProjectionState;
  lastError: string | null;
  eventsProcessed: number;
}

interface Row {
  name: string;
  version: number;
  position_commit: string;
  position_prepare: string;
  state: ProjectionState;
  last_error: string | null;
  events_processed: string;
}

const columns = sql`name, version, position_commit::text, position_prepare, state, last_error, events_processed`;

function toCheckpoint(row: Row): Checkpoint {
  return {
    name: row.name,
    version: row.version,
    position: { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare) },
    state: row.state,
    lastError: row.last_error,
    eventsProcessed: Number(row.events_processed),
  };
}

/**
 * Reads a projector's checkpoint.
 *
 * @example const checkpoint = await loadCheckpoint(db, 'subscriptions');
 */
export async function loadCheckpoint(conn: Conn, name: string): Promise<Checkpoint | undefined> {
  const { rows } = await sql<Row>`select ${columns} from projection_checkpoints where name = ${name}`.execute(conn);
  return rows[0] && toCheckpoint(rows[0]);
}

/**
 * Takes the projector's transaction-scoped advisory lock, so only one runner applies a batch at a
 * time (a second one waits, then reads the advanced checkpoint). Unlike `select … for update` it
 * gives the transaction no xid, so the log read that follows is not held back by the reader itself.
 */
export async function lockProjector(conn: Conn, name: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`projection:${name}`}, 0))`.execute(conn);
}

/** Creates the checkpoint at the start of the log if it does not exist yet. */
export async function ensureCheckpoint(conn: Conn, name: string, version: number): Promise<void> {
  await sql`insert into projection_checkpoints (name, version, state) values (${name}, ${version}, 'rebuilding')
    on conflict (name) do nothing`.execute(conn);
}

/**
 * Moves a checkpoint after a committed batch (call inside the batch's transaction), and announces
 * it on CHECKPOINT_CHANNEL (PostgreSQL delivers the NOTIFY only if, and once, the batch commits):
 * queries waiting to read their writes wake on it (platform/checkpoint-watch.ts).
 */
export async function advanceCheckpoint(
  conn: Conn,
  name: string,
  update: { position: LogPosition; applied: number; state: ProjectionState },
): Promise<void> {
  await sql`with moved as (update projection_checkpoints set
      position_commit = ${update.position.commit.toString()}::xid8,
      position_prepare = ${update.position.prepare.toString()}::bigint,
      events_processed = events_processed + ${update.applied},
      state = ${update.state}, last_error = null, updated_at = now()
    where name = ${name} returning name)
    select pg_notify(${CHECKPOINT_CHANNEL}, name) from moved`.execute(conn);
}

/**
 * Records that a projector stopped on an error; its position stays before the failing batch. With
 * `loaded` (the checkpoint the failing batch started from), only while the row still has its
 * version and position: a model swapped in meanwhile is not the one that failed.
 *
 * @example await failCheckpoint(db, 'creators', error.message, checkpointTheBatchLoaded);
 */
export async function failCheckpoint(conn: Conn, name: string, error: string, loaded?: Checkpoint): Promise<void> {
  const still = loaded
    ? sql` and version = ${loaded.version} and position_commit = ${loaded.position.commit.toString()}::xid8
        and position_prepare = ${loaded.position.prepare.toString()}::bigint`
    : sql``;
  await sql`update projection_checkpoints set state = 'failed', last_error = ${error}, updated_at = now()
    where name = ${name}${still}`.execute(conn);
}


/**
 * Hands a finished rebuild's checkpoint to the live projector (inside the swap's transaction): the
 * live row takes the rebuild's position, count and `version` and goes `live`; the rebuild's row goes.
 *
 * @example await promoteCheckpoint(trx, { from: 'subscriptions:rebuild', to: 'subscriptions', version: 2 });
 */
export async function promoteCheckpoint(conn: Conn, move: { from: string; to: string; version: number }): Promise<void> {
  await sql`insert into projection_checkpoints (name, version, position_commit, position_prepare, state, last_error, events_processed, updated_at)
    select ${move.to}, ${move.version}, position_commit, position_prepare, 'live', null, events_processed, now()
    from projection_checkpoints where name = ${move.from}
    on conflict (name) do update set version = excluded.version, position_commit = excluded.position_commit,
      position_prepare = excluded.position_prepare, state = 'live', last_error = null,
      events_processed = excluded.events_processed, updated_at = now()`.execute(conn);
  await sql`select pg_notify(${CHECKPOINT_CHANNEL}, ${move.to})`.execute(conn);
  await deleteCheckpoint(conn, move.from);
}

/** Forgets a checkpoint (an abandoned or finished rebuild's). */
export async function deleteCheckpoint(conn: Conn, name: string): Promise<void> {
  await sql`delete from projection_checkpoints where name = ${name}`.execute(conn);
}
