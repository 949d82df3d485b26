import { InvalidEvent } from './errors.ts';
import type { NewEvent, StreamAppend } from './types.ts';

export const MAX_EVENT_BYTES = 1024 * 1024;
export const MAX_EVENTS_PER_APPEND = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME = /^[\x21-\x7e]{1,200}$/;

export interface SerializedEvent {
  /** Index of the append this event belongs to. */
  append: number;
  streamId: string;
  id: string;
  type: string;
  data: string;
  metadata: string;
}

function strictJson(value: unknown, what: string, index: number): string {
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new InvalidEvent(`${what} holds a non-finite number`, index);
    if (typeof v === 'string' && v.includes('\u0000')) throw new InvalidEvent(`${what} holds a NUL character`, index);
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') {
      throw new InvalidEvent(`${what} holds a value JSON cannot represent (${typeof v})`, index);
    }
    if (typeof v === 'bigint') throw new InvalidEvent(`${what} holds a bigint: encode amounts as decimal strings`, index);
    return v;
  });
  if (json === undefined || (typeof value !== 'object' || value === null)) {
    throw new InvalidEvent(`${what} must be a JSON object or array`, index);
  }
  return json;
}

/**
 * Validates and serialises the events of one or more appends; throws `InvalidEvent` (nothing stored)
 * on an empty append, a bad id, stream id or type, non-JSON data or an oversize event.
 */
export function serializeAppends(appends: readonly StreamAppend[]): SerializedEvent[] {
  const rows: SerializedEvent[] = [];
  const seen = new Set<string>();
  appends.forEach(({ streamId, events }, append) => {
    if (typeof streamId !== 'string' || !NAME.test(streamId)) {
      throw new InvalidEvent(`stream id must be 1-200 printable ASCII characters without spaces`);
    }
    if (events.length === 0) throw new InvalidEvent(`append to ${streamId} has no events`);
    events.forEach((event: NewEvent, i) => {
      const index = rows.length;
      if (typeof event.id !== 'string' || !UUID.test(event.id)) throw new InvalidEvent('id must be a uuid', i);
      const id = event.id.toLowerCase();
      if (seen.has(id)) throw new InvalidEvent(`id ${id} appears twice in one append`, i);
      seen.add(id);
      if (typeof event.type !== 'string' || !NAME.test(event.type)) {
        throw new InvalidEvent('type must be 1-200 printable ASCII characters', i);
      }
      const data = strictJson(event.data, 'data', i);
      const metadata = strictJson(event.metadata, 'metadata', i);
      const bytes = Buffer.byteLength(data) + Buffer.byteLength(metadata);
      if (bytes > MAX_EVENT_BYTES) throw new InvalidEvent(`${bytes} bytes exceeds the ${MAX_EVENT_BYTES}-byte limit`, i);
      rows[index] = { append, streamId, id, type: event.type, data, metadata };
    });
  });
  if (rows.length > MAX_EVENTS_PER_APPEND) {
    throw new InvalidEvent(`${rows.length} events exceed the ${MAX_EVENTS_PER_APPEND}-event limit of one append`);
  }
  return rows;
}
