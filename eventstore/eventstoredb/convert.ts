import { ANY, NO_STREAM, STREAM_EXISTS, jsonEvent, type AppendExpectedRevision, type EventData, type Position } from '@eventstore/db-client';
import type { RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import type { SerializedEvent } from '../serialize.ts';
import type { EventMetadata, ExpectedRevision, LogPosition, RecordedEvent } from '../types.ts';

/** Our expected revision in the client's terms (revisions are bigints there). */
export function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected);
}

/** The client's current revision (`no_stream` or a bigint) in ours. */
export function fromEsdbRevision(current: 'no_stream' | bigint): number | 'no_stream' {
  return current === NO_STREAM ? 'no_stream' : Number(current);
}

/** An event already validated and serialised by `serializeAppends`, as the client's JSON event. */
export function toEventData(row: SerializedEvent): EventData {
  return jsonEvent({
    id: row.id,
    type: row.type,
    data: JSON.parse(row.data) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  });
}

export function toLogPosition(position: Position): LogPosition {
  return { commit: position.commit, prepare: position.prepare };
}

/** Stable JSON (object keys sorted) so stored and new content compare like PostgreSQL's jsonb `=`. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Our recorded event from the client's; `undefined` for system events (`$`-types) and non-JSON records. */
export function fromEsdbEvent(event: EsdbRecordedEvent | undefined): RecordedEvent | undefined {
  if (!event || !event.isJson || event.type.startsWith('$') || event.streamId.startsWith('$')) return undefined;
  const position = event.position ? toLogPosition(event.position) : { commit: -1n, prepare: -1n };
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: (event.metadata ?? { source: 'system' }) as EventMetadata,
    streamId: event.streamId,
    streamRevision: Number(event.revision),
    globalPosition: position.commit,
    position,
    recordedAt: event.created,
  };
}
