import {
  BACKWARDS, END, EventStoreDBClient, FORWARDS, START, StreamNotFoundError, WrongExpectedVersionError,
  type AllStreamResolvedEvent, type ResolvedEvent,
} from '@eventstore/db-client';
import { EventIdConflict, WrongExpectedRevision } from '../errors.ts';
import { pollAll } from '../poll.ts';
import { serializeAppends, type SerializedEvent } from '../serialize.ts';
import type { AppendResult, EventStore, ReadAllOptions, ReadStreamOptions, RecordedEvent, StreamAppend } from '../types.ts';
import { canonicalJson, fromEsdbEvent, fromEsdbRevision, toEsdbExpected, toEventData, toLogPosition } from './convert.ts';

async function readStreamEvents(client: EventStoreDBClient, streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
  const backwards = options.direction === 'backwards';
  const read = client.readStream(streamId, {
    direction: backwards ? BACKWARDS : FORWARDS,
    fromRevision: options.fromRevision !== undefined ? BigInt(options.fromRevision) : backwards ? END : START,
    ...(options.limit !== undefined ? { maxCount: options.limit } : {}),
  });
  const events: RecordedEvent[] = [];
  try {
    for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
      const event = fromEsdbEvent(resolved.event);
      if (event) events.push(event);
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
  return events;
}

/**
 * `$all` from a position, exclusive. The client's `fromPosition` is inclusive and `$all` holds
 * system events we skip, so it reads a little ahead and pages until `limit` events are found.
 */
async function readAllEvents(client: EventStoreDBClient, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
  const limit = options.limit ?? 1_000;
  const events: RecordedEvent[] = [];
  let from = options.after;
  for (;;) {
    let read = 0;
    let last = from;
    const page = client.readAll({ fromPosition: from ?? START, maxCount: limit + 1, direction: FORWARDS });
    for await (const resolved of page as AsyncIterable<AllStreamResolvedEvent>) {
      read++;
      const position = resolved.event?.position;
      if (!position || (from && position.commit === from.commit && position.prepare === from.prepare)) continue;
      last = toLogPosition(position);
      const event = fromEsdbEvent(resolved.event);
      if (event) events.push(event);
      if (events.length === limit) {
        await page.cancel();
        return events;
      }
    }
    if (read < limit + 1 || !last) return events;
    from = last;
  }
}

/**
 * Splits stored ids from fresh events by reading the stream back: EventStoreDB only dedupes a
 * retried append within its idempotency window, and never compares content. Costs one full read of
 * the stream per append (fine for aggregate streams; an id stored in another stream goes unseen).
 */
async function partition(client: EventStoreDBClient, streamId: string, rows: SerializedEvent[]) {
  const stored = new Map((await readStreamEvents(client, streamId)).map((e) => [e.id, e]));
  const conflicting: string[] = [];
  const alreadyStored: string[] = [];
  const fresh: SerializedEvent[] = [];
  for (const row of rows) {
    const existing = stored.get(row.id);
    if (!existing) fresh.push(row);
    else if (existing.type !== row.type || canonicalJson(existing.data) !== canonicalJson(JSON.parse(row.data))) conflicting.push(row.id);
    else alreadyStored.push(row.id);
  }
  if (conflicting.length > 0) throw new EventIdConflict(conflicting);
  const last = [...stored.values()].at(-1);
  return { fresh, alreadyStored, current: last ? last.streamRevision : -1 };
}

async function appendOne(client: EventStoreDBClient, append: StreamAppend, rows: SerializedEvent[]): Promise<AppendResult> {
  const { streamId } = append;
  const expected = append.expectedRevision ?? 'any';
  const { fresh, alreadyStored, current } = await partition(client, streamId, rows);
  if (fresh.length === 0) return { streamId, revision: current, appended: 0, alreadyStored };
  try {
    const result = await client.appendToStream(streamId, fresh.map(toEventData), { expectedRevision: toEsdbExpected(expected) });
    return {
      streamId,
      revision: Number(result.nextExpectedRevision),
      appended: fresh.length,
      alreadyStored,
      ...(result.position ? { position: toLogPosition(result.position) } : {}),
    };
  } catch (error) {
    if (error instanceof WrongExpectedVersionError) throw new WrongExpectedRevision(streamId, expected, fromEsdbRevision(error.actualVersion));
    throw error;
  }
}

/**
 * The EventStoreDB/KurrentDB adapter. Same contract as PostgreSQL, with two differences:
 * `appendMany` is atomic per stream only (EventStoreDB has no multi-stream transaction), and the
 * id check reads the target stream back before each append (see `partition`).
 * `$all` has no late commits (positions are assigned in commit order), so reads need no horizon.
 *
 * @example const store = createEventStoreDbStore('esdb://localhost:2113?tls=false');
 */
export function createEventStoreDbStore(connectionString: string): EventStore {
  const client = EventStoreDBClient.connectionString(connectionString);
  const appendMany = async (appends: readonly StreamAppend[]): Promise<AppendResult[]> => {
    const rows = serializeAppends(appends);
    const results: AppendResult[] = [];
    for (const [i, append] of appends.entries()) results.push(await appendOne(client, append, rows.filter((r) => r.append === i)));
    return results;
  };
  return {
    async append(streamId, events, options = {}) {
      const [result] = await appendMany([{ streamId, events, expectedRevision: options.expectedRevision ?? 'any' }]);
      return result!;
    },
    appendMany,
    readStream: (streamId, options) => readStreamEvents(client, streamId, options),
    readStreams: (streamIds) => Promise.all(streamIds.map((streamId) => readStreamEvents(client, streamId))),
    readAll: (options) => readAllEvents(client, options),
    subscribe: (options) => pollAll((o) => readAllEvents(client, o), options),
    close: () => client.dispose(),
  };
}
