import type { FastifyInstance } from 'fastify';
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

/**
 * Ties work running beside `app` (the projectors, the expiry sweeper) to its close: `app.close()`
 * aborts `controller` and awaits `work` in a `preClose` hook (new requests already get 503), and
 * only then stops the server and runs the `onClose` hooks that close the log signal and Redis. A
 * sweep in flight so ends on open connections, its appends announced. Call before `listen`.
 *
 * @example const stop = new AbortController(); stopBeforeClosing(app, stop, runExpirySweeper(db, store, { intervalMs, signal: stop.signal }));
 */
export function stopBeforeClosing(app: FastifyInstance, controller: AbortController, work: Promise<unknown>): void {
  app.addHook('preClose', async () => {
    controller.abort();
    await work;
  });
}

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
    if (config.PROJECTORS && !values['no-projectors']) {
      const projecting = new AbortController();
      stopBeforeClosing(app, projecting, Promise.all([
        runProjections(runtime.db, allProjectors, { batchSize: config.PROJECTION_BATCH_SIZE, signal: projecting.signal, logger, autoRebuild: config.PROJECTIONS_AUTO_REBUILD }),
        // The app's store: the log signal announces its appends (the live feed wakes at once).
        runExpirySweeper(runtime.db, app.services.eventStore, { intervalMs: config.SUBSCRIPTION_EXPIRY_SWEEP_SECONDS * 1000, signal: projecting.signal, logger }),
      ]));
    }
    await app.listen({ port, host: config.HOST });
    await onShutdown(logger, async () => {
      await app.close();
      await runtime.close();
    });
    return 0;
  },
};
