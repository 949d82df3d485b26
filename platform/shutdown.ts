import type { Logger } from './logger.ts';

const GRACE_MS = 10_000;

/**
 * Runs `stop` and resolves when it has, logging `stopped`; exits the process with 1 if it takes
 * longer than `graceMs` (10 s): a projector stuck in a long query must not keep a stopping process alive.
 *
 * @example await stopWithinGrace(logger, async () => { await app.close(); await runtime.close(); });
 */
export async function stopWithinGrace(logger: Logger, stop: () => Promise<void>, graceMs = GRACE_MS): Promise<void> {
  const timer = setTimeout(() => {
    logger.error(`stopping took longer than ${graceMs / 1000} s: exiting`);
    process.exit(1);
  }, graceMs);
  timer.unref();
  try {
    await stop();
  } finally {
    clearTimeout(timer);
  }
  logger.info('stopped');
}

/**
 * Resolves after the first SIGINT/SIGTERM once `stop` has run; exits the process if `stop`
 * takes longer than 10 s or a second signal arrives.
 *
 * @example await onShutdown(logger, async () => { await app.close(); await runtime.close(); });
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const handle = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      stopWithinGrace(logger, stop).then(resolve, reject);
    };
    process.once('SIGINT', handle);
    process.once('SIGTERM', handle);
  });
}
