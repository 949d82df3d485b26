import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { allProjectors } from '../../projections/registry.ts';
import { runProjectors } from '../../projections/runner.ts';
import { projectionStatus } from '../../projections/status.ts';
import { parseCliArgs, UsageError, type CliCommand } from '../cli.ts';

export const project: CliCommand = {
  usage: `substream project [--batch-size N] [--poll-interval MS]

Runs every projector (${allProjectors.map((p) => p.name).join(', ')}) from its checkpoint, keeps them
up to date with the event log, and stops cleanly on SIGINT/SIGTERM. A projector that fails stops
with state=failed and its error in projection_checkpoints; the others go on.

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
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      logger.info({ projectors: allProjectors.map((p) => p.name), batchSize }, 'projectors started');
      await runProjectors(runtime.db, allProjectors, { batchSize, pollIntervalMs, signal: controller.signal, logger });
      const status = await projectionStatus(runtime.db);
      logger.info({ status }, 'projectors stopped');
      return status.some((s) => s.state === 'failed') ? 1 : 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await runtime.close();
    }
  },
};
