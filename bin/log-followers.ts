import type { EventStore } from '../eventstore/types.ts';
import { smtpMailer } from '../integration/email/mailer.ts';
import { emailSenderOptions } from '../integration/email/sender-options.ts';
import { runEmail } from '../integration/email/sender.ts';
import { runStripeCatalogSync } from '../integration/stripe-catalog.ts';
import { runDispatcher } from '../integration/webhooks/dispatcher.ts';
import { webhookWorkerOptions } from '../integration/webhooks/worker-options.ts';
import { runWebhookWorkers } from '../integration/webhooks/worker.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { Stripe } from '../platform/stripe.ts';
import { runExpirySweeper } from '../projections/subscriptions/expiry-sweeper.ts';

export interface FollowerOptions {
  /** The Stripe client when card payments are on (tiers sync to Stripe Products and Prices). */
  stripe: Stripe | null;
  /** The service secret (JWT_SECRET or its generated stand-in): it keys the emails' unsubscribe tokens. */
  serviceSecret: string;
  signal: AbortSignal;
  logger: Logger;
}

/**
 * The work that follows the log beside the projectors, each with its own checkpoint or schedule:
 * the expiry sweeper, the Stripe catalogue sync, the webhook dispatcher and delivery workers, the
 * email dispatcher and sender (with SMTP_URL). One
 * list for `serve` and `project`, so a split deployment (`serve --no-projectors` beside `project`)
 * runs all of it. `store` appends (the sweeper's expiries): pass one that announces its appends.
 *
 * @example await Promise.all(logFollowers(runtime.db, store, config, { stripe, serviceSecret: runtime.jwtSecret, signal, logger }));
 */
export function logFollowers(db: Db, store: EventStore, config: Config, { stripe, serviceSecret, signal, logger }: FollowerOptions): Promise<unknown>[] {
  const mailer = config.SMTP_URL ? smtpMailer(config.SMTP_URL, config.EMAIL_FROM) : undefined;
  if (!mailer) logger.info('email is off: SMTP_URL is unset (no verification or notification emails)');
  return [
    runExpirySweeper(db, store, { intervalMs: config.SUBSCRIPTION_EXPIRY_SWEEP_SECONDS * 1000, signal, logger }),
    ...(stripe ? [runStripeCatalogSync(db, store, stripe, { batchSize: 200, signal, logger })] : []),
    ...(config.WEBHOOKS ? [
      runDispatcher(db, { batchSize: config.PROJECTION_BATCH_SIZE, signal, logger }),
      runWebhookWorkers(db, { ...webhookWorkerOptions(config), signal, logger }),
    ] : []),
    ...(mailer ? [
      runEmail(db, { ...emailSenderOptions(config, serviceSecret, mailer), batchSize: config.PROJECTION_BATCH_SIZE, signal, logger }).finally(() => mailer.close()),
    ] : []),
  ];
}
