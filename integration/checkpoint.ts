import { sql, type Kysely, type Transaction } from 'kysely';
import type { LogPosition } from '../eventstore/types.ts';
import type { Database } from '../platform/schema.ts';

type Conn = Kysely<Database> | Transaction<Database>;

export interface RelayCheckpoint {
  name: string;
  /** The last log position whose published events the broker acknowledged. */
  position: LogPosition;
  eventsPublished: number;
  lastError: string | null;
}

interface Row {
  name: string;
  position_commit: string;
  position_prepare: string;
  events_published: string;
  last_error: string | null;
}

/**
 * Reads a relay's checkpoint (`outbox_checkpoints`); undefined before its first batch (start of the log).
 *
 * @example const checkpoint = await loadRelayCheckpoint(db, 'kafka'); // { position: { commit, prepare }, eventsPublished, lastError }
 */
export async function loadRelayCheckpoint(conn: Conn, name: string): Promise<RelayCheckpoint | undefined> {
  const { rows } = await sql<Row>`select name, position_commit::text, position_prepare::text, events_published::text, last_error
    from outbox_checkpoints where name = ${name}`.execute(conn);
  const row = rows[0];
  return row && {
    name: row.name,
    position: { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare) },
    eventsPublished: Number(row.events_published),
    lastError: row.last_error,
  };
}

/**
 * Takes the relay's transaction-scoped advisory lock: a second relay under the same name waits,
 * then reads the advanced checkpoint, so two processes never publish the same batch concurrently.
 * Like the projectors' lock, it gives the transaction no xid and so never holds back log readers.
 */
export async function lockRelay(conn: Conn, name: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`outbox:${name}`}, 0))`.execute(conn);
}

/**
 * Moves the checkpoint once the broker has acknowledged the batch, creating it on the first batch.
 * Call it last in the batch's transaction: it is the transaction's only write, so the transaction
 * holds an xid (which holds back log readers) only for the moment before its commit.
 */
export async function advanceRelayCheckpoint(conn: Conn, name: string, update: { position: LogPosition; published: number }): Promise<void> {
  await sql`insert into outbox_checkpoints as c (name, position_commit, position_prepare, events_published)
    values (${name}, ${update.position.commit.toString()}::xid8, ${update.position.prepare.toString()}::bigint, ${update.published})
    on conflict (name) do update set
      position_commit = excluded.position_commit,
      position_prepare = excluded.position_prepare,
      events_published = c.events_published + excluded.events_published,
      last_error = null, updated_at = now()`.execute(conn);
}

/** Records why the last batch was not published; the position stays where it was. */
export async function failRelayCheckpoint(conn: Conn, name: string, error: string): Promise<void> {
  await sql`insert into outbox_checkpoints (name, last_error) values (${name}, ${error})
    on conflict (name) do update set last_error = excluded.last_error, updated_at = now()`.execute(conn);
}
