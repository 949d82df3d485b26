import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, EmailOutboxTable } from '../../platform/schema.ts';

type Conn = Kysely<Database> | Transaction<Database>;
export type OutboxEmail = Selectable<EmailOutboxTable>;

/**
 * Claims up to `limit` due outbox emails, oldest first; a claim is a lease of `leaseMs` (a sender
 * that dies mid-send leaves the email to be sent again).
 *
 * @example const claimed = await claimDueEmails(db, { limit: 8, leaseMs: 60_000 });
 */
export async function claimDueEmails(conn: Conn, options: { limit: number; leaseMs: number }): Promise<OutboxEmail[]> {
  const { rows } = await sql<OutboxEmail>`
    with due as (
      select id from email_outbox where status = 'pending' and next_attempt_at <= now()
      order by seq limit ${options.limit} for update skip locked
    )
    update email_outbox o set next_attempt_at = now() + ${`${options.leaseMs} milliseconds`}::interval
    from due where o.id = due.id
    returning o.*`.execute(conn);
  return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
}

/** What became of one attempt: sent, skipped (no verified address, unsubscribed, suppressed), or failed (retried unless `final`). */
export type EmailAttempt = { status: 'sent' } | { status: 'skipped'; reason: string } | { status: 'failed'; error: string; final: boolean; retryInMs: number };

/**
 * Records an attempt of an outbox email.
 *
 * @example await recordEmailAttempt(db, email, { status: 'failed', error: 'SMTP 451', final: false, retryInMs: 30_000 });
 */
export async function recordEmailAttempt(conn: Conn, email: OutboxEmail, attempt: EmailAttempt): Promise<void> {
  const attempts = email.attempts + 1;
  const update = attempt.status === 'sent'
    ? { status: 'sent' as const, sent_at: sql<Date>`now()`, last_error: null }
    : attempt.status === 'skipped'
      ? { status: 'skipped' as const, last_error: attempt.reason }
      : attempt.final
        ? { status: 'failed' as const, last_error: attempt.error }
        : { last_error: attempt.error, next_attempt_at: sql<Date>`now() + ${`${attempt.retryInMs} milliseconds`}::interval` };
  await conn.updateTable('email_outbox').set({ attempts, ...update }).where('id', '=', email.id).execute();
}
