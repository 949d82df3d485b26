import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import { masterKeys } from './keyring.ts';
import { unwrapDataKey, wrapDataKey } from './master-key.ts';

type Conn = Kysely<Database> | Transaction<Database>;

export interface DataKey {
  keyId: string;
  key: Buffer;
}

/**
 * The current data key of each subject, created (and wrapped by the current master key) for a
 * subject that has none: one insert that leaves existing keys alone, then one select. A subject
 * erased before gets a new key: what it writes after its erasure is sealed anew.
 *
 * @example const keys = await subjectKeys(db, ['G…']); keys.get('G…')!.keyId
 */
export async function subjectKeys(conn: Conn, subjects: readonly string[]): Promise<Map<string, DataKey>> {
  const wanted = [...new Set(subjects)];
  if (wanted.length === 0) return new Map();
  const { current, all } = masterKeys();
  const fresh = wanted.map((subject) => {
    const keyId = randomUUID();
    return { key_id: keyId, subject, wrapped_key: wrapDataKey(current, keyId, subject, randomBytes(32)) };
  });
  await conn.insertInto('personal_data_keys').values(fresh).onConflict((oc) => oc.column('subject').doNothing()).execute();
  const rows = await conn.selectFrom('personal_data_keys').select(['key_id', 'subject', 'wrapped_key']).where('subject', 'in', wanted).execute();
  return new Map(rows.map((r) => [r.subject, { keyId: r.key_id, key: unwrapDataKey(all, r.key_id, r.subject, r.wrapped_key) }]));
}

/**
 * The data keys still held among `keyIds`; a shredded key is simply absent.
 *
 * @example const keys = await keysById(db, ['5f0c…']);
 */
export async function keysById(conn: Conn, keyIds: readonly string[]): Promise<Map<string, Buffer>> {
  if (keyIds.length === 0) return new Map();
  const { all } = masterKeys();
  const { rows } = await sql<{ key_id: string; subject: string; wrapped_key: string }>`
    select key_id::text, subject, wrapped_key from personal_data_keys where key_id = any(${[...new Set(keyIds)]}::uuid[])`.execute(conn);
  return new Map(rows.map((r) => [r.key_id, unwrapDataKey(all, r.key_id, r.subject, r.wrapped_key)]));
}

/**
 * Shreds a subject's data key: every envelope sealed under it reads `[erased]` from now on, in
 * every process and every rebuild. Returns how many keys went (0 or 1).
 *
 * @example await shredSubjectKey(trx, 'G…');
 */
export async function shredSubjectKey(conn: Conn, subject: string): Promise<number> {
  const result = await conn.deleteFrom('personal_data_keys').where('subject', '=', subject).executeTakeFirst();
  return Number(result.numDeletedRows);
}
