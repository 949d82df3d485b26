import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { migrateAsOwner, openRuntime } from '../../platform/runtime.ts';
import { parseCliArgs, type CliCommand } from '../cli.ts';

export const migrate: CliCommand = {
  usage: `substream migrate

Applies every pending migration as the owner role: on DATABASE_MIGRATION_URL when set, else on
DATABASE_URL (or the embedded PostgreSQL). Run it before starting processes that log in as the
runtime roles (README, "Database roles"); MIGRATE_ON_START=true makes every process do it instead.`,
  async run(argv) {
    parseCliArgs(argv, {});
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL);
    const runtime = await openRuntime(config, logger, { migrate: false });
    try {
      const applied = await migrateAsOwner(config, runtime.db);
      logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database is up to date');
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
