import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { migrateToLatest } from '../../platform/migrate.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { parseCliArgs, type CliCommand } from '../cli.ts';

export const migrate: CliCommand = {
  usage: 'substream migrate\n\nApplies every pending migration to DATABASE_URL (or the embedded PostgreSQL).',
  async run(argv) {
    parseCliArgs(argv, {});
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL);
    const runtime = await openRuntime(config, logger, { migrate: false });
    try {
      const applied = await migrateToLatest(runtime.db);
      logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database is up to date');
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
