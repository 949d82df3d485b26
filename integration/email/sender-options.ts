import type { Config } from '../../platform/config.ts';
import type { Mailer } from './mailer.ts';
import type { SenderOptions } from './sender.ts';
import { unsubscribeKey } from './unsubscribe-token.ts';

/** An email still failing this long after it was written is given up. */
export const EMAIL_RETRY_WINDOW_MS = 3 * 24 * 3600 * 1000;

/**
 * The email sender's options from the configuration, the service secret (JWT_SECRET: it keys the
 * unsubscribe tokens) and a mailer.
 *
 * @example await runEmail(db, { ...emailSenderOptions(config, jwtSecret, mailer), batchSize: 500, signal });
 */
export function emailSenderOptions(config: Config, serviceSecret: string, mailer: Mailer): SenderOptions {
  return {
    mailer,
    links: { baseUrl: config.EMAIL_LINK_BASE_URL, unsubscribeKey: unsubscribeKey(serviceSecret) },
    concurrency: 4,
    backoff: { baseMs: 30_000, maxMs: 3600 * 1000 },
    retryWindowMs: EMAIL_RETRY_WINDOW_MS,
  };
}
