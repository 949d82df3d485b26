import { sql } from 'kysely';
import { horizon } from '../eventstore/postgres/read.ts';
import type { EventMetadata, LogPosition, RecordedEvent } from '../eventstore/types.ts';
import { arrayRows } from '../platform/array-rows.ts';
import { openPersonalData } from '../platform/personal-data/events.ts';
import type { Conn } from './types.ts';

export interface LogBatch {
  /** Events scanned (handled or not): fewer than the limit means the visible end of the log. */
  scanned: number;
  /** Position of the last event scanned: where the checkpoint moves, even if none was handled. */
  last: LogPosition | undefined;
  /** The scanned events whose type is wanted, in log order. */
  events: RecordedEvent[];
}

/**
 * One scanned event as the statement returns it, by column: how many events the batch scanned
 * (on its last row only, null on the others), wanted, commit, prepare, id,
 * type, stream id, revision, data (unwanted: null), metadata as JSON text (not fetched: null),
 * recorded at (epoch ms).
 */
type WireRow = [number | null, boolean, string, string, string, string, string, number, unknown, string | null, number];

/**
 * A recorded event whose `metadata` is parsed from its JSON text the first time it is read; one
 * read without it throws there rather than carry a wrong value. Its position, which projectors
 * rarely read (the checkpoint comes from the batch), is parsed on first read too. A class, so the
 * getters live on the prototype instead of being built for every event.
 */
class LogEvent implements RecordedEvent {
  id: string;
  type: string;
  data: unknown;
  streamId: string;
  streamRevision: number;
  recordedAt: Date;
  #commit: bigint;
  #prepareText: string;
  #position: LogPosition | undefined;
  #metadataText: string | null;
  #withMetadata: boolean;
  #metadata: EventMetadata | undefined;

  constructor(row: WireRow, commit: bigint, withMetadata: boolean) {
    this.id = row[4];
    this.type = row[5];
    this.data = row[8];
    this.streamId = row[6];
    this.streamRevision = row[7];
    this.recordedAt = new Date(row[10]);
    this.#commit = commit;
    this.#prepareText = row[3];
    this.#metadataText = row[9];
    this.#withMetadata = withMetadata;
  }

  get position(): LogPosition {
    return (this.#position ??= { commit: this.#commit, prepare: BigInt(this.#prepareText) });
  }

  get globalPosition(): bigint {
    return this.position.prepare;
  }

  get metadata(): EventMetadata {
    if (!this.#withMetadata) throw new Error(`${this.type} ${this.id} was read without its metadata: add '${this.type}' to the reader's metadataFor`);
    return (this.#metadata ??= JSON.parse(this.#metadataText!) as EventMetadata);
  }
}

export interface LogBatchOptions {
  after: LogPosition;
  limit: number;
  types: readonly string[];
  /** The wanted types whose `metadata` is read (absent: all of `types`); on the others it throws. */
  metadataFor?: readonly string[] | undefined;
}

function logBatchQuery(options: LogBatchOptions, metadataFor: readonly string[]) {
  return sql`
    select case when w.last then w.nth::int end as nth, w.wanted, w.transaction_id::text as commit, w.global_position::text as prepare,
      w.event_id as id, w.type, w.stream_id as "streamId", w.stream_revision::int as revision,
      case when w.wanted then w.data end as data,
      case when w.wanted and w.type = any(${metadataFor}::text[]) then w.metadata::text end as metadata,
      date_part('epoch', w.recorded_at) * 1000 as at
    from (
      select e.*, e.type = any(${options.types}::text[]) as wanted,
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
    order by w.transaction_id, w.global_position`;
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
  const metadataFor = options.metadataFor ?? options.types;
  const withMetadata = new Set(metadataFor);
  // Rows as arrays: decoding is most of what a catching-up projector spends.
  const rows = await arrayRows<WireRow>(conn, logBatchQuery(options, metadataFor));
  const events: RecordedEvent[] = [];
  let commitText = '';
  let commit = 0n;
  for (const row of rows) {
    if (!row[1]) continue;
    // A batch spans few transactions: parse each transaction id once.
    if (row[2] !== commitText) [commitText, commit] = [row[2], BigInt(row[2])];
    events.push(new LogEvent(row, commit, withMetadata.has(row[5])));
  }
  await openPersonalData(conn, events);
  const tail = rows[rows.length - 1];
  return { scanned: tail?.[0] ?? 0, last: tail && { commit: BigInt(tail[2]), prepare: BigInt(tail[3]) }, events };
}
