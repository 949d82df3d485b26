import { sql } from 'kysely';
import { horizon } from '../eventstore/postgres/read.ts';
import type { EventMetadata, LogPosition, RecordedEvent } from '../eventstore/types.ts';
import type { Conn } from './types.ts';

export interface LogBatch {
  /** Events scanned (handled or not): fewer than the limit means the visible end of the log. */
  scanned: number;
  /** Position of the last event scanned: where the checkpoint moves, even if none was handled. */
  last: LogPosition | undefined;
  /** The scanned events whose type is wanted, in log order. */
  events: RecordedEvent[];
}

interface WireEvent {
  nth: number;
  wanted: boolean;
  id: string;
  type: string;
  streamId: string;
  revision: number;
  data: unknown;
  /** JSON text: decoded on first read, since most projectors never look at it. */
  metadata: string | null;
  commit: string;
  prepare: string;
  at: number;
}

/**
 * A recorded event whose `metadata` is parsed from its JSON text the first time it is read; one
 * read without it (`withMetadata` false) throws there rather than carry a wrong value.
 */
function recordedEvent(e: WireEvent, commit: bigint, withMetadata: boolean): RecordedEvent {
  const prepare = BigInt(e.prepare);
  let metadata: EventMetadata | undefined;
  return {
    id: e.id, type: e.type, data: e.data, streamId: e.streamId, streamRevision: e.revision, globalPosition: prepare,
    position: { commit, prepare }, recordedAt: new Date(e.at),
    get metadata(): EventMetadata {
      if (!withMetadata) throw new Error(`${e.type} ${e.id} was read without its metadata: add '${e.type}' to the reader's metadataFor`);
      return (metadata ??= JSON.parse(e.metadata!) as EventMetadata);
    },
  };
}

export interface LogBatchOptions {
  after: LogPosition;
  limit: number;
  types: readonly string[];
  /** The wanted types whose `metadata` is read (absent: all of `types`); on the others it throws. */
  metadataFor?: readonly string[] | undefined;
}

/**
 * `readAllEvents` for projectors: the same gapless window (after the checkpoint, below the log's
 * `horizon`, in (transaction id, position) order) and the same `RecordedEvent`s, but
 * only the wanted types are fetched and decoded (plus the last event scanned, for the
 * checkpoint): a projector that handles 1% of the log no longer parses the other 99%, and one that
 * handles it all parses `metadata` only where it reads it. With `metadataFor`, `metadata` is not
 * even fetched for the other wanted types. One index scan in log order feeds streaming window
 * functions (no sort, no second lookup of the rows).
 *
 * @example
 * const { scanned, last, events } = await readLogBatch(trx, { after, limit: 10_000, types: ['TiersSet'] });
 * await readLogBatch(trx, { after, limit: 10_000, types: ['A', 'B'], metadataFor: ['A'] }); // B's `metadata` throws
 */
export async function readLogBatch(conn: Conn, options: LogBatchOptions): Promise<LogBatch> {
  const metadataFor = options.metadataFor && new Set(options.metadataFor);
  const fetchMetadata = metadataFor ? sql`w.wanted and w.type = any(${[...metadataFor]}::text[])` : sql`w.wanted`;
  const { rows } = await sql<WireEvent & { last: boolean }>`
    select w.nth::int as nth, w.last, w.wanted, w.transaction_id::text as commit, w.global_position::text as prepare,
      w.event_id as id, w.type, w.stream_id as "streamId", w.stream_revision::int as revision,
      case when w.wanted then w.data end as data, case when ${fetchMetadata} then w.metadata::text end as metadata,
      date_part('epoch', w.recorded_at) * 1000 as at
    from (
      select e.*, e.type = any(${[...options.types]}::text[]) as wanted,
        row_number() over log as nth, lead(false, 1, true) over log as last
      from (
        select * from events
        where (events.transaction_id, events.global_position) > (${options.after.commit.toString()}::xid8, ${options.after.prepare.toString()}::bigint)
          and events.transaction_id < ${horizon}
        order by events.transaction_id, events.global_position
        limit ${options.limit}
      ) e
      window log as (order by e.transaction_id, e.global_position)
    ) w
    where w.wanted or w.last
    order by w.transaction_id, w.global_position`.execute(conn);
  const events: RecordedEvent[] = [];
  let commitText = '';
  let commit = 0n;
  for (const e of rows) {
    if (!e.wanted) continue;
    // A batch spans few transactions: parse each transaction id once.
    if (e.commit !== commitText) [commitText, commit] = [e.commit, BigInt(e.commit)];
    events.push(recordedEvent(e, commit, !metadataFor || metadataFor.has(e.type)));
  }
  const tail = rows[rows.length - 1];
  return { scanned: tail?.nth ?? 0, last: tail && { commit: BigInt(tail.commit), prepare: BigInt(tail.prepare) }, events };
}
