import { sql, type Kysely, type Transaction } from 'kysely';
import { openPersonalData } from '../../platform/personal-data/events.ts';
import type { Database } from '../../platform/schema.ts';
import { executePrepared } from './prepared.ts';
import { START, type EventMetadata, type LogPosition, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent } from '../types.ts';

type Conn = Kysely<Database> | Transaction<Database>;

interface Row {
  event_id: string;
  stream_id: string;
  stream_revision: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  transaction_id: string;
  global_position: string;
  recorded_at: Date;
}

const columns = sql`event_id::text, stream_id, stream_revision, type, data, metadata,
  transaction_id::text, global_position, recorded_at`;

function toRecorded(row: Row): RecordedEvent {
  const globalPosition = BigInt(row.global_position);
  return {
    id: row.event_id,
    streamId: row.stream_id,
    streamRevision: Number(row.stream_revision),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    globalPosition,
    position: { commit: BigInt(row.transaction_id), prepare: globalPosition },
    recordedAt: row.recorded_at,
  };
}

/**
 * Reads one stream by revision, forwards (from `fromRevision`, default 0) or backwards
 * (from `fromRevision`, default the end).
 *
 * @example const events = await readStreamEvents(db, 'subscription-G…', { direction: 'backwards', limit: 1 });
 */
export async function readStreamEvents(conn: Conn, streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
  const limit = options.limit ?? 1_000_000;
  const rows =
    options.direction === 'backwards'
      ? await executePrepared(conn, 'substream_read_stream_backwards_v1', sql<Row>`select ${columns} from events where stream_id = ${streamId}
          and stream_revision <= ${options.fromRevision ?? Number.MAX_SAFE_INTEGER}
          order by stream_revision desc limit ${limit}`)
      : await executePrepared(conn, 'substream_read_stream_v1', sql<Row>`select ${columns} from events where stream_id = ${streamId}
          and stream_revision >= ${options.fromRevision ?? 0}
          order by stream_revision asc limit ${limit}`);
  return openPersonalData(conn, rows.map(toRecorded));
}

/**
 * Reads whole streams in one round trip: one prepared statement whatever their number (the ids
 * are one `text[]` parameter). One array per id, in the order given, each in revision order; a
 * missing stream reads empty.
 *
 * Each id is its own index lookup (a lateral subquery, kept apart by its ORDER BY): a prepared
 * `stream_id = any($1)` caches a generic plan, and one made while the table is small is a
 * sequential scan it keeps as the table grows, until an ANALYZE replans it.
 *
 * @example const [creator, subscription] = await readStreamsEvents(db, ['creator-G…', 'subscription-G…-G…']);
 */
export async function readStreamsEvents(conn: Conn, streamIds: readonly string[]): Promise<RecordedEvent[][]> {
  if (streamIds.length === 0) return [];
  const byStream = new Map(streamIds.map((id): [string, RecordedEvent[]] => [id, []]));
  const rows = await executePrepared(conn, 'substream_read_streams_v1', sql<Row>`
    select e.* from unnest(${[...byStream.keys()]}::text[]) as s(id)
    cross join lateral (select ${columns} from events where stream_id = s.id order by stream_revision) as e
    order by e.stream_id, e.stream_revision`);
  for (const row of await openPersonalData(conn, rows.map(toRecorded))) byStream.get(row.streamId)!.push(row);
  return streamIds.map((id) => byStream.get(id)!);
}

/**
 * The visibility horizon of the global log: every transaction below it has finished, so nothing
 * can still commit an event there. It is the snapshot's oldest in-flight transaction
 * (`pg_snapshot_xmin`), except that transactions pg_stat_activity shows running in another
 * database are skipped: they cannot write this `events` table. Anything unknown (a finished,
 * unlisted or hidden transaction, a subtransaction) still counts, so the horizon only errs low.
 */
export const horizon = sql`(
  select least(pg_snapshot_xmax(snapshot), (
    select min(x) from pg_snapshot_xip(snapshot) as x
    where not exists (
      select 1 from pg_stat_activity a where a.backend_xid = xid(x) and a.datname <> current_database())))
  from pg_current_snapshot() as snapshot)`;

/**
 * Reads the global log after a position, in (transaction id, position) order, and only below the
 * horizon: an event that commits late with a lower position is never skipped, it simply becomes
 * visible before anything that follows it. A long transaction in this database holds readers back.
 *
 * @example const batch = await readAllEvents(db, { after: checkpoint, limit: 1000 });
 */
export async function readAllEvents(conn: Conn, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
  const after = options.after ?? START;
  const result = await sql<Row>`
    select ${columns} from events
    where (transaction_id, global_position) > (${after.commit.toString()}::xid8, ${after.prepare.toString()}::bigint)
      and transaction_id < ${horizon}
    order by events.transaction_id, events.global_position -- qualified: a bare name sorts the ::text output column
    limit ${options.limit ?? 1_000}`.execute(conn);
  return openPersonalData(conn, result.rows.map(toRecorded));
}

/**
 * How many events of the global log follow a position, counting no further than `atMost` (the
 * scan stops there, so the cost is bounded whatever the log's size).
 *
 * @example if ((await countEventsAfter(db, since, 10_001)) > 10_000) refuse();
 */
export async function countEventsAfter(conn: Conn, after: LogPosition, atMost: number): Promise<number> {
  const result = await sql<{ n: string }>`
    select count(*)::text as n from (
      select 1 from events
      where (transaction_id, global_position) > (${after.commit.toString()}::xid8, ${after.prepare.toString()}::bigint)
      order by events.transaction_id, events.global_position
      limit ${atMost}) as following`.execute(conn);
  return Number(result.rows[0]!.n);
}
