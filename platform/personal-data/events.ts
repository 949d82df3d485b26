import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import { ERASED, isEnvelope, open, seal } from './envelope.ts';
import { mapPersonalFields, PERSONAL_FIELDS, subjectOf } from './fields.ts';
import { keysById, subjectKeys } from './key-vault.ts';

type Conn = Kysely<Database> | Transaction<Database>;

interface EventLike {
  type: string;
  data: unknown;
}

/**
 * Copies of `events` with every personal field (fields.ts) sealed under its subject's data key,
 * the keys created as needed on `conn` (the append's own connection or transaction). Events
 * without personal data are returned as they are; nothing is written in clear.
 *
 * @example const sealed = await sealPersonalData(trx, events);
 */
export async function sealPersonalData<E extends EventLike>(conn: Conn, events: readonly E[]): Promise<E[]> {
  if (!events.some((e) => PERSONAL_FIELDS[e.type])) return [...events];
  const subjects = events.map((e) => subjectOf(e.type, e.data));
  const keys = await subjectKeys(conn, subjects.filter((s): s is string => s !== undefined));
  return events.map((event, i) => {
    if (!PERSONAL_FIELDS[event.type]) return event;
    const key = subjects[i] === undefined ? undefined : keys.get(subjects[i]);
    if (!key) {
      if (!holdsPersonalValue(event)) return event;
      throw new Error(`${event.type} carries personal data but names no subject: refusing to store it in clear`);
    }
    const data = mapPersonalFields(event.type, event.data, (value, context) =>
      typeof value === 'string' ? seal(key.key, key.keyId, value, context) : value);
    return { ...event, data };
  });
}

/** Whether any personal path of the event holds a value (null and absent do not count). */
function holdsPersonalValue(event: EventLike): boolean {
  let held = false;
  mapPersonalFields(event.type, event.data, (value) => ((held = true), value));
  return held;
}

/**
 * Opens the personal fields of recorded events in place (their `data` replaced by a clear copy):
 * one key lookup per call. A field whose key was shredded reads `[erased]`; a field that is
 * already clear (written before sealing existed) stays as it is.
 *
 * @example const events = await openPersonalData(db, rows.map(toRecorded));
 */
export async function openPersonalData<E extends EventLike>(conn: Conn, events: E[]): Promise<E[]> {
  const keyIds: string[] = [];
  for (const event of events) {
    if (PERSONAL_FIELDS[event.type]) mapPersonalFields(event.type, event.data, (value) => (isEnvelope(value) && keyIds.push(value.k), value));
  }
  if (keyIds.length === 0) return events;
  const keys = await keysById(conn, keyIds);
  for (const event of events) {
    if (!PERSONAL_FIELDS[event.type]) continue;
    event.data = mapPersonalFields(event.type, event.data, (value) => {
      if (!isEnvelope(value)) return value;
      const key = keys.get(value.k);
      return key ? open(key, value) : ERASED;
    });
  }
  return events;
}
