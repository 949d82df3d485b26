import type { Config } from '../../platform/config.ts';
import { retryDelayMs } from './backoff.ts';
import type { WorkerOptions } from './worker.ts';

/** A delivery is retried for this long after it was written, then given up. */
export const RETRY_WINDOW_MS = 3 * 24 * 3600 * 1000;
/** The longest pause between two attempts of a delivery. */
export const MAX_RETRY_DELAY_MS = 3600 * 1000;
/** Consecutive failed attempts that mark an endpoint `failing`. */
export const FAILING_AFTER = 5;

/**
 * The delivery workers' options from the configuration.
 *
 * @example await runWebhookWorkers(db, { ...webhookWorkerOptions(config), signal });
 */
export function webhookWorkerOptions(config: Config): WorkerOptions {
  const backoff = { baseMs: config.WEBHOOK_RETRY_BASE_MS, maxMs: Math.max(MAX_RETRY_DELAY_MS, config.WEBHOOK_RETRY_BASE_MS) };
  return {
    allowPrivate: config.OUTBOUND_ALLOW_PRIVATE,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    perTenant: config.WEBHOOK_PER_TENANT_PER_BATCH,
    retryWindowMs: RETRY_WINDOW_MS,
    delayMs: (attempts) => retryDelayMs(attempts, backoff),
    failingAfter: Math.min(FAILING_AFTER, config.WEBHOOK_DISABLE_AFTER_FAILURES),
    disableAfter: config.WEBHOOK_DISABLE_AFTER_FAILURES,
  };
}
