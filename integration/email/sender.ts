import type { Db } from '../../platform/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { pollLoop } from '../poll-loop.ts';
import { retryDelayMs, type BackoffPolicy } from '../webhooks/backoff.ts';
import { addressMarker } from './addresses.ts';
import { dispatchEmailBatch } from './dispatcher.ts';
import type { Mailer } from './mailer.ts';
import { notificationEmail, type LinkSettings } from './message.ts';
import type { NotificationKind } from './notifications.ts';
import { claimDueEmails, recordEmailAttempt, type EmailAttempt, type OutboxEmail } from './outbox.ts';

export interface SenderOptions {
  mailer: Mailer;
  links: LinkSettings;
  /** Emails sent at once. */
  concurrency: number;
  backoff: BackoffPolicy;
  /** An email still failing this long after it was written is given up. */
  retryWindowMs: number;
}

async function attempt(db: Db, email: OutboxEmail, options: SenderOptions): Promise<EmailAttempt> {
  const recipient = await db.selectFrom('email_addresses').select(['address', 'verified_at']).where('subject', '=', email.subject).executeTakeFirst();
  if (!recipient?.verified_at) return { status: 'skipped', reason: 'no verified address' };
  const unsubscribed = await db.selectFrom('email_unsubscribes').select('kind').where('subject', '=', email.subject).where('kind', '=', email.kind).executeTakeFirst();
  if (unsubscribed) return { status: 'skipped', reason: 'unsubscribed' };
  const marker = addressMarker(recipient.address);
  if (await db.selectFrom('email_suppressions').select('address_hash').where('address_hash', '=', marker).executeTakeFirst()) {
    return { status: 'skipped', reason: 'suppressed (hard bounce)' };
  }
  const { email: rendered, headers } = notificationEmail(options.links, email.subject, email.kind as NotificationKind, email.vars);
  const outcome = await options.mailer.send(recipient.address, rendered, headers);
  if (outcome.ok) return { status: 'sent' };
  if (outcome.permanent) {
    await db.insertInto('email_suppressions').values({ address_hash: marker, reason: outcome.error }).onConflict((oc) => oc.doNothing()).execute();
    return { status: 'failed', error: `hard bounce: ${outcome.error}`, final: true, retryInMs: 0 };
  }
  const final = Date.now() - email.created_at.getTime() >= options.retryWindowMs;
  return { status: 'failed', error: outcome.error, final, retryInMs: retryDelayMs(email.attempts + 1, options.backoff) };
}

/**
 * Claims the due outbox emails (up to `concurrency`), sends each to its subject's verified address
 * unless unsubscribed from its kind or suppressed, and records every attempt; how many were claimed.
 *
 * @example while ((await sendDueEmails(db, options)) > 0);
 */
export async function sendDueEmails(db: Db, options: SenderOptions): Promise<number> {
  const claimed = await claimDueEmails(db, { limit: options.concurrency, leaseMs: 120_000 });
  await Promise.all(claimed.map(async (email) => recordEmailAttempt(db, email, await attempt(db, email, options))));
  return claimed.length;
}

/**
 * Runs the email dispatcher and sender until the signal aborts (each polling when idle).
 *
 * @example await runEmail(db, { ...options, batchSize: 500, signal, logger });
 */
export async function runEmail(db: Db, options: SenderOptions & { batchSize: number; signal?: AbortSignal; logger?: Logger }): Promise<void> {
  const { signal, logger, batchSize } = options;
  await Promise.all([
    pollLoop(async () => (await dispatchEmailBatch(db, { batchSize })).caughtUp, { signal, logger, label: 'email dispatch', pollIntervalMs: 200 }),
    pollLoop(async () => (await sendDueEmails(db, options)) === 0, { signal, logger, label: 'email sender' }),
  ]);
}
