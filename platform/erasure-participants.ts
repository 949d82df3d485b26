import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Conn = Kysely<Database> | Transaction<Database>;

/**
 * A place outside the event log that keeps a subject's personal data in clear, and how to forget
 * it. An erasure (commands/erase-subject.ts) runs every participant in the transaction that
 * shreds the subject's key and appends `SubjectErased`: all of it happens, or none.
 */
export interface ErasureParticipant {
  name: string;
  /** Forgets what the table holds of `subject`; returns how many rows it changed. */
  erase(conn: Conn, subject: string): Promise<number>;
}

/** `value` as a LIKE pattern that matches it literally. */
const literally = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);
const changed = (result: { numDeletedRows?: bigint; numUpdatedRows?: bigint }) => Number(result.numDeletedRows ?? result.numUpdatedRows ?? 0n);

/**
 * The participants of the platform's own tables. A feature that stores personal data in clear
 * outside the log adds its own to `ERASURE_PARTICIPANTS` in integration/erasure-participants.ts,
 * the one list every erasure runs.
 */
export const PLATFORM_ERASURE_PARTICIPANTS: readonly ErasureParticipant[] = [
  {
    // Stored responses of the subject's own keyed requests echo what it sent (a display name, a title).
    name: 'idempotency-records',
    // The namespace is `address|tenant|api key id`: the subject acting, or acting for the subject.
    erase: async (conn, subject) => changed(await conn.deleteFrom('idempotency_keys')
      .where((eb) => eb.or([eb('principal', 'like', `${literally(subject)}|%`), eb('principal', 'like', `%|${literally(subject)}|%`)]))
      .executeTakeFirst()),
  },
  {
    // Delivered and queued webhook payloads of the subject's tenant carry its events' data as sent.
    name: 'webhook-deliveries',
    erase: async (conn, subject) => changed(await conn.deleteFrom('webhook_deliveries').where('tenant_id', '=', subject).executeTakeFirst()),
  },
  {
    // The tenant's own free-text notes on its endpoints.
    name: 'webhook-endpoint-descriptions',
    erase: async (conn, subject) =>
      changed(await conn.updateTable('webhook_endpoints').set({ description: '' }).where('tenant_id', '=', subject).where('description', '<>', '').executeTakeFirst()),
  },
];
