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

const MAX_DEPTH = 64;

/** Throws unless `value` survives a JSON round trip unchanged and PostgreSQL's jsonb accepts it. */
function check(value: unknown, what: string, index: number, depth: number): void {
  switch (typeof value) {
    case 'boolean':
      return;
    case 'string':
      if (value.includes('\u0000')) throw new InvalidEvent(`${what} holds a NUL character`, index);
      if (!value.isWellFormed()) throw new InvalidEvent(`${what} holds a lone UTF-16 surrogate (not valid Unicode)`, index);
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidEvent(`${what} holds a non-finite number`, index);
      return;
    case 'bigint':
      throw new InvalidEvent(`${what} holds a bigint: encode amounts as decimal strings`, index);
    case 'object': {
      if (value === null) return;
      if (depth > MAX_DEPTH) throw new InvalidEvent(`${what} is nested deeper than ${MAX_DEPTH} levels (or is cyclic)`, index);
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return check(toJSON.call(value), what, index, depth + 1);
      if (Array.isArray(value)) {
        for (const item of value) check(item, what, index, depth + 1);
        return;
      }
      for (const key of Object.keys(value)) {
        if (key.includes('\u0000')) throw new InvalidEvent(`${what} holds a NUL character in a key`, index);
        if (!key.isWellFormed()) throw new InvalidEvent(`${what} holds a lone UTF-16 surrogate in a key`, index);
        check((value as Record<string, unknown>)[key], what, index, depth + 1);
      }
      return;
    }
    default:
      throw new InvalidEvent(`${what} holds a value JSON cannot represent (${typeof value})`, index);
  }
}

/** Validates with a plain walk, then serialises with a replacer-free `JSON.stringify` (the fast path). */
function strictJson(value: unknown, what: string, index: number): string {
  if (typeof value !== 'object' || value === null) throw new InvalidEvent(`${what} must be a JSON object or array`, index);
  check(value, what, index, 0);
  return JSON.stringify(value);
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
      const chars = data.length + metadata.length;
      const bytes = chars * 3 <= MAX_EVENT_BYTES ? chars : Buffer.byteLength(data) + Buffer.byteLength(metadata);
      if (bytes > MAX_EVENT_BYTES) throw new InvalidEvent(`${bytes} bytes exceeds the ${MAX_EVENT_BYTES}-byte limit`, i);
      rows[index] = { append, streamId, id, type: event.type, data, metadata };
    });
  });
  if (rows.length > MAX_EVENTS_PER_APPEND) {
    throw new InvalidEvent(`${rows.length} events exceed the ${MAX_EVENTS_PER_APPEND}-event limit of one append`);
  }
  return rows;
}
