import { observeAppends } from '../../eventstore/observe-appends.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { loadConfig } from '../../platform/config.ts';
import { openLogSignal } from '../../platform/log-signal.ts';
import { createLogger } from '../../platform/logger.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { createStripeClient } from '../../platform/stripe.ts';
import { allProjectors } from '../../projections/registry.ts';
import { runProjections } from '../../projections/startup.ts';
import { projectionStatus } from '../../projections/status.ts';
import { EXIT, parseCliArgs, UsageError, type CliCommand } from '../cli.ts';
import { logFollowers } from '../log-followers.ts';

export const project: CliCommand = {
  usage: `substream project [--batch-size N] [--poll-interval MS]

Runs every projector (${allProjectors.map((p) => p.name).join(', ')}) from its checkpoint, keeps them
up to date with the event log, and stops cleanly on SIGINT/SIGTERM. A projector that fails stops
with state=failed and its error in projection_checkpoints; the others go on.
Beside them it runs what follows the log (bin/log-followers.ts): every SUBSCRIPTION_EXPIRY_SWEEP_SECONDS
it expires pending subscription intents past their expiry; with STRIPE_SECRET_KEY it syncs tiers
to Stripe; with WEBHOOKS on it dispatches and delivers outbound webhooks.
A projector whose code version differs from its stored model's keeps following on the old model;
with PROJECTIONS_AUTO_REBUILD=true it is rebuilt aside and swapped in, otherwise a warning names it.

  --batch-size N       events read per transaction (default PROJECTION_BATCH_SIZE)
  --poll-interval MS   pause at the end of the log before polling again (default 200)`,
  async run(argv) {
    const { values } = parseCliArgs(argv, { 'batch-size': { type: 'string' }, 'poll-interval': { type: 'string' } });
    const config = loadConfig();
    const batchSize = values['batch-size'] === undefined ? config.PROJECTION_BATCH_SIZE : Number(values['batch-size']);
    const pollIntervalMs = values['poll-interval'] === undefined ? 200 : Number(values['poll-interval']);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch-size must be a positive integer');
    if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 0) throw new UsageError('--poll-interval must be a non-negative integer');
    const logger = createLogger(config.LOG_LEVEL);
    const runtime = await openRuntime(config, logger);
    const signal = openLogSignal({ url: config.REDIS_URL, prefix: config.REDIS_KEY_PREFIX, onError: (error) => logger.warn({ err: error }, 'log signal: Redis error') });
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      logger.info({ projectors: allProjectors.map((p) => p.name), batchSize }, 'projectors started');
      // The work that follows the log beside the projectors (sweeper, Stripe catalogue, webhooks) stops
      // with them (signal, or every projector failed); the sweeper's expiries are announced on the
      // log signal, so live feeds hear of them at once.
      const following = new AbortController();
      const followers = logFollowers(runtime.db, observeAppends(createPostgresEventStore(runtime.db), signal.notify), config, {
        stripe: createStripeClient(config), serviceSecret: runtime.jwtSecret, signal: AbortSignal.any([controller.signal, following.signal]), logger,
      });
      // Settled, not all: a failed start still waits for the followers to stop before the signal and pool close.
      const [projected] = await Promise.allSettled([runProjections(runtime.db, allProjectors, { batchSize, pollIntervalMs, signal: controller.signal, logger, autoRebuild: config.PROJECTIONS_AUTO_REBUILD }).finally(() => following.abort()), ...followers]);
      if (projected.status === 'rejected') {
        logger.error({ err: projected.reason }, `project could not start the projectors: ${(projected.reason as Error)?.message ?? projected.reason}`);
        return EXIT.failed;
      }
      const status = await projectionStatus(runtime.db);
      logger.info({ status }, 'projectors stopped');
      return status.some((s) => s.state === 'failed') ? 1 : 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await signal.close();
      await runtime.close();
    }
  },
};
