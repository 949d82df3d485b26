import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, EmailAddressesTable } from '../../platform/schema.ts';

type Conn = Kysely<Database> | Transaction<Database>;
export type EmailAddress = Selectable<EmailAddressesTable>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The non-reversible marker of an address (SHA-256 of its lower-cased form): what the suppression
 * list keeps, and all a log line may carry.
 *
 * @example addressMarker('Ann@Example.com') === addressMarker('ann@example.com') // true
 */
export const addressMarker = (address: string) => sha256(address.trim().toLowerCase());

/**
 * Sets a subject's address, unverified, with a fresh one-use verification token (only its hash is
 * stored); the token to put in the verification link.
 *
 * @example const { token } = await setSubjectEmail(db, subject, 'ann@example.com', 86_400);
 */
export async function setSubjectEmail(conn: Conn, subject: string, address: string, ttlSeconds: number): Promise<{ token: string; row: EmailAddress }> {
  const token = randomBytes(32).toString('base64url');
  const values = {
    address,
    verified_at: null,
    verify_token_hash: sha256(token),
    verify_expires_at: sql<Date>`now() + ${`${ttlSeconds} seconds`}::interval`,
    updated_at: sql<Date>`now()`,
  };
  const row = await conn.insertInto('email_addresses').values({ subject, ...values })
    .onConflict((oc) => oc.column('subject').doUpdateSet(values))
    .returningAll().executeTakeFirstOrThrow();
  return { token, row };
}

/** A subject waits this long before another verification link is sent to it. */
export const VERIFY_RESEND_SECONDS = 60;
/** Pending verification links one address may hold in an hour, whichever subjects asked. */
export const VERIFY_PER_ADDRESS_PER_HOUR = 3;

/**
 * Seconds until another verification link may be sent for `subject` to `address`, or 0: a subject
 * gets one link a minute, and an address holds at most three pending links asked within the hour
 * (so fresh wallets cannot bomb an inbox).
 *
 * @example const wait = await verificationWait(db, subject, 'ann@example.com'); if (wait > 0) refuse(wait);
 */
export async function verificationWait(conn: Conn, subject: string, address: string): Promise<number> {
  const { rows: [row] } = await sql<{ subject_wait: number; address_wait: number }>`
    select
      coalesce((select ceil(extract(epoch from updated_at + ${`${VERIFY_RESEND_SECONDS} seconds`}::interval - now()))
        from email_addresses where subject = ${subject} and verify_token_hash is not null
          and updated_at > now() - ${`${VERIFY_RESEND_SECONDS} seconds`}::interval), 0)::int as subject_wait,
      coalesce((select ceil(extract(epoch from min(updated_at) + interval '1 hour' - now()))
        from email_addresses where lower(address) = lower(${address.trim()}) and subject <> ${subject}
          and verify_token_hash is not null and updated_at > now() - interval '1 hour'
        having count(*) >= ${VERIFY_PER_ADDRESS_PER_HOUR}), 0)::int as address_wait`.execute(conn);
  return Math.max(row!.subject_wait, row!.address_wait, 0);
}

/**
 * Verifies the address holding this token if it has not expired; the token is used up either way.
 * The verified row, or undefined (unknown, used or expired token).
 *
 * @example const verified = await verifySubjectEmail(db, token);
 */
export async function verifySubjectEmail(conn: Conn, token: string): Promise<EmailAddress | undefined> {
  const { rows } = await sql<EmailAddress & { fresh: boolean }>`
    with used as (
      select subject, verify_expires_at > now() as fresh from email_addresses where verify_token_hash = ${sha256(token)} for update
    )
    update email_addresses e set verify_token_hash = null, verify_expires_at = null, updated_at = now(),
      verified_at = case when used.fresh then now() else e.verified_at end
    from used where e.subject = used.subject
    returning e.*, used.fresh`.execute(conn);
  const row = rows[0];
  return row?.fresh ? row : undefined;
}

/** A subject's address row, or undefined. */
export async function getSubjectEmail(conn: Conn, subject: string): Promise<EmailAddress | undefined> {
  return conn.selectFrom('email_addresses').selectAll().where('subject', '=', subject).executeTakeFirst();
}

/**
 * Erases a subject's email data: the address, its unsubscribe choices and the emails not yet
 * sent to it. True when an address was held. In a transaction of its own, or in the caller's
 * (an erasure runs it with the key shredding and `SubjectErased`: platform/erasure-participants.ts).
 *
 * @example await deleteSubjectEmail(db, 'GABC…');
 */
export async function deleteSubjectEmail(conn: Kysely<Database>, subject: string): Promise<boolean> {
  const erase = async (trx: Kysely<Database>) => {
    await trx.deleteFrom('email_unsubscribes').where('subject', '=', subject).execute();
    await trx.deleteFrom('email_outbox').where('subject', '=', subject).execute();
    const deleted = await trx.deleteFrom('email_addresses').where('subject', '=', subject).executeTakeFirst();
    return deleted.numDeletedRows > 0n;
  };
  return conn.isTransaction ? erase(conn) : conn.transaction().execute(erase);
}
