import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../platform/logger.ts';

/**
 * Runs `step` until the signal aborts: again at once while it reports work, after `pollIntervalMs`
 * when it reports none (idle); a failing step is retried with backoff (0.5 s doubling to 30 s).
 *
 * @example await pollLoop(async () => (await sendDueEmails(db, options)) === 0, { signal, logger, label: 'email sender' });
 */
export async function pollLoop(step: () => Promise<boolean>, options: { pollIntervalMs?: number; signal?: AbortSignal | undefined; logger?: Logger | undefined; label: string }): Promise<void> {
  const { signal, logger, pollIntervalMs = 500 } = options;
  let backoff = 0;
  while (!signal?.aborted) {
    try {
      if (backoff > 0) await sleep(backoff, undefined, { signal }).catch(() => undefined);
      if (signal?.aborted) return;
      const idle = await step();
      backoff = 0;
      if (idle) await sleep(pollIntervalMs, undefined, { signal }).catch(() => undefined);
    } catch (error) {
      if (signal?.aborted) return;
      backoff = Math.min(Math.max(backoff * 2, 500), 30_000);
      logger?.warn({ err: error, retryInMs: backoff }, `${options.label} failed; retrying`);
    }
  }
}
