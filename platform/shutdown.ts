import type { Logger } from './logger.ts';

const GRACE_MS = 10_000;

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
      const timer = setTimeout(() => {
        logger.error('shutdown took longer than 10 s: exiting');
        process.exit(1);
      }, GRACE_MS);
      timer.unref();
      stop().then(
        () => {
          clearTimeout(timer);
          logger.info('stopped');
          resolve();
        },
        (error: unknown) => reject(error),
      );
    };
    process.once('SIGINT', handle);
    process.once('SIGTERM', handle);
  });
}
