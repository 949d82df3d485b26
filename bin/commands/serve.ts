import { buildApp } from '../../api/app.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { allProjectors } from '../../projections/registry.ts';
import { runProjections } from '../../projections/startup.ts';
import { runExpirySweeper } from '../../projections/subscriptions/expiry-sweeper.ts';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { onShutdown } from '../../platform/shutdown.ts';
import { parseCliArgs, UsageError, type CliCommand } from '../cli.ts';

export const serve: CliCommand = {
  usage: `substream serve [--no-projectors] [--port N]

  --no-projectors  serve only (no projectors, no expiry sweeper); run \`substream project\` elsewhere
  --port N         listen port (default PORT, 3000)

With no DATABASE_URL it starts the embedded PostgreSQL in DATA_DIR (./.substream).
Stops cleanly on SIGINT/SIGTERM.`,
  async run(argv) {
    const { values } = parseCliArgs(argv, { 'no-projectors': { type: 'boolean' }, port: { type: 'string' } });
    const config = loadConfig();
    const port = values.port === undefined ? config.PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535 (got ${values.port})`);
    const logger = createLogger(config.LOG_LEVEL);
    const runtime = await openRuntime(config, logger);
    const eventStore = createPostgresEventStore(runtime.db);
    const app = await buildApp({ services: { config, db: runtime.db, eventStore, jwtSecret: runtime.jwtSecret } });
    const projecting = new AbortController();
    const projectors =
      config.PROJECTORS && !values['no-projectors']
        ? Promise.all([
            runProjections(runtime.db, allProjectors, { batchSize: config.PROJECTION_BATCH_SIZE, signal: projecting.signal, logger, autoRebuild: config.PROJECTIONS_AUTO_REBUILD }),
            // The app's store: the log signal announces its appends, so live feeds hear of expiries at once.
            runExpirySweeper(runtime.db, app.services.eventStore, { intervalMs: config.SUBSCRIPTION_EXPIRY_SWEEP_SECONDS * 1000, signal: projecting.signal, logger }),
          ])
        : Promise.resolve();
    await app.listen({ port, host: config.HOST });
    await onShutdown(logger, async () => {
      await app.close();
      projecting.abort();
      await projectors;
      await runtime.close();
    });
    return 0;
  },
};
