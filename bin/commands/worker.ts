import { runExportExpirySweeper } from '../../exports/expiry.ts';
import { exportStore } from '../../exports/object-store.ts';
import { runExportWorker } from '../../exports/worker.ts';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { UsageError, type CliCommand } from '../cli.ts';

export const worker: CliCommand = {
  usage: `substream worker

Runs data export jobs (POST /v1/exports) until SIGINT/SIGTERM: claims one at a time under a lease
of EXPORT_LEASE_SECONDS (renewed as rows stream; a crashed worker's job is restarted by another),
streams the dataset under the tenant's row-level security, gzips and uploads it to
EXPORT_S3_BUCKET; deletes exports EXPORT_TTL_HOURS after they are ready (status expired). Requires EXPORT_S3_BUCKET. Connects like \`serve\`: a role that is a member of
substream_api. \`serve\` runs the same worker in its own process.`,
  async run() {
    const config = loadConfig();
    const store = exportStore(config);
    if (!store) throw new UsageError('EXPORT_S3_BUCKET is unset: there is no bucket to export to');
    const logger = createLogger(config.LOG_LEVEL);
    const runtime = await openRuntime(config, logger);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      logger.info({ bucket: config.EXPORT_S3_BUCKET }, 'export worker started');
      await Promise.all([
        runExportWorker({ db: runtime.apiDb, store, leaseSeconds: config.EXPORT_LEASE_SECONDS, pollMs: config.EXPORT_POLL_MS, signal: controller.signal, logger }),
        runExportExpirySweeper({ db: runtime.apiDb, store, ttlHours: config.EXPORT_TTL_HOURS, intervalMs: config.EXPORT_EXPIRY_SWEEP_SECONDS * 1000, signal: controller.signal, logger }),
      ]);
      logger.info('export worker stopped');
      return 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      store.destroy();
      await runtime.close();
    }
  },
};
