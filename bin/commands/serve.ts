import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { runIdempotencySweeper } from '../../api/idempotency-retention.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { runExportExpirySweeper } from '../../exports/expiry.ts';
import { exportStore } from '../../exports/object-store.ts';
import { runExportWorker } from '../../exports/worker.ts';
import { reconciliationContract } from '../../reconciliation/contract-config.ts';
import { runReconciliationSchedule } from '../../reconciliation/schedule.ts';
import { allProjectors } from '../../projections/registry.ts';
import { runProjections } from '../../projections/startup.ts';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { openRuntime, type Runtime } from '../../platform/runtime.ts';
import { onShutdown, stopWithinGrace } from '../../platform/shutdown.ts';
import { errorChain, EXIT, parseCliArgs, UsageError, type CliCommand } from '../cli.ts';
import { logFollowers } from '../log-followers.ts';

/**
 * Ties work running beside `app` (the projectors, the expiry sweeper) to its close: `app.close()`
 * aborts `controller` and awaits `work` in a `preClose` hook (new requests already get 503), and
 * only then stops the server and runs the `onClose` hooks that close the log signal and Redis. A
 * sweep in flight so ends on open connections, its appends announced. Call before `listen`. A
 * failed `work` is awaited all the same: reporting it is the caller's.
 *
 * @example const stop = new AbortController(); stopBeforeClosing(app, stop, runExpirySweeper(db, store, { intervalMs, signal: stop.signal }));
 */
export function stopBeforeClosing(app: FastifyInstance, controller: AbortController, work: Promise<unknown>): void {
  app.addHook('preClose', async () => {
    controller.abort();
    await Promise.allSettled([work]);
  });
}

/** A step of `serve`'s start that failed: the message names the step, the cause says why. */
class StartupFailed extends Error {
  override name = 'StartupFailed';
}

/** `promise`, a rejection of which becomes a `StartupFailed` naming `step`. */
function starting<T>(step: string, promise: Promise<T>): Promise<T> {
  return promise.catch((error: unknown) => {
    throw new StartupFailed(step, { cause: error });
  });
}

export const serve: CliCommand = {
  usage: `substream serve [--no-projectors] [--port N]

  --no-projectors  serve only (no projectors, no expiry sweeper, no daily reconciliation); run \`substream project\` elsewhere
                   (the Idempotency-Key sweeper, and with EXPORT_S3_BUCKET the export worker, run either way)
  --port N         listen port (default PORT, 3000)

With no DATABASE_URL it starts the embedded PostgreSQL in DATA_DIR (./.substream).
Stops cleanly on SIGINT/SIGTERM.`,
  async run(argv) {
    const { values } = parseCliArgs(argv, { 'no-projectors': { type: 'boolean' }, port: { type: 'string' } });
    const config = loadConfig();
    const port = values.port === undefined ? config.PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535 (got ${values.port})`);
    const logger = createLogger(config.LOG_LEVEL);
    let runtime: Runtime | undefined;
    let app: FastifyInstance | undefined;
    let stopping: Promise<void> | undefined;
    // Once, whoever asks first (a signal, a failed start): the app (its projectors and sweeper first), then the pool.
    const stop = () => (stopping ??= (async () => {
      await app?.close();
      await runtime?.close();
    })());
    try {
      runtime = await starting('opening the database', openRuntime(config, logger));
      const eventStore = createPostgresEventStore(runtime.apiDb);
      app = await starting('building the API', buildApp({ services: { config, db: runtime.apiDb, eventStore, jwtSecret: runtime.jwtSecret } }));
      const sweeping = new AbortController();
      stopBeforeClosing(app, sweeping, runIdempotencySweeper(runtime.apiDb, {
        retentionHours: config.IDEMPOTENCY_RETENTION_HOURS, intervalMs: config.IDEMPOTENCY_SWEEP_SECONDS * 1000, signal: sweeping.signal, logger,
      }));
      const store = exportStore(config);
      if (store) {
        const exporting = new AbortController();
        stopBeforeClosing(app, exporting, Promise.all([
          runExportWorker({ db: runtime.apiDb, store, leaseSeconds: config.EXPORT_LEASE_SECONDS, pollMs: config.EXPORT_POLL_MS, signal: exporting.signal, logger }),
          runExportExpirySweeper({ db: runtime.apiDb, store, ttlHours: config.EXPORT_TTL_HOURS, intervalMs: config.EXPORT_EXPIRY_SWEEP_SECONDS * 1000, signal: exporting.signal, logger }),
        ]).finally(() => store.destroy()));
      }
      // Rejects if the projectors fail to start (before or after `listen`); never settles otherwise.
      const failures: Promise<never>[] = [];
      if (config.PROJECTORS && !values['no-projectors']) {
        const projecting = new AbortController();
        const work = starting('starting the projectors', Promise.all([
          runProjections(runtime.db, allProjectors, { batchSize: config.PROJECTION_BATCH_SIZE, signal: projecting.signal, logger, autoRebuild: config.PROJECTIONS_AUTO_REBUILD }),
          // The app's store: the log signal announces its appends (the live feed wakes at once).
          ...logFollowers(runtime.db, app.services.eventStore, config, { stripe: app.stripe, serviceSecret: runtime.jwtSecret, signal: projecting.signal, logger }),
          // The daily reconciliation, with the projectors: an instance run with --no-projectors does not repeat it.
          config.RECONCILIATION_EVERY_HOURS > 0 && runReconciliationSchedule(
            { db: runtime.apiDb, eventStore: app.services.eventStore, contract: reconciliationContract(config), logger },
            { everyMs: config.RECONCILIATION_EVERY_HOURS * 3_600_000, signal: projecting.signal },
          ),
        ]));
        stopBeforeClosing(app, projecting, work);
        failures.push(new Promise<never>((_, reject) => void work.catch(reject)));
      }
      await Promise.race([starting(`listening on ${config.HOST}:${port}`, app.listen({ port, host: config.HOST })), ...failures]);
      await Promise.race([onShutdown(logger, stop), ...failures]);
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof StartupFailed)) throw error;
      logger.error({ err: error.cause }, `serve could not start: ${errorChain(error)}`);
      await stopWithinGrace(logger, stop);
      return EXIT.failed;
    }
  },
};
