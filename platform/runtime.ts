import type { Config } from './config.ts';
import { createDb, type Db } from './database.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import type { Logger } from './logger.ts';
import { migrateToLatest } from './migrate.ts';
import { localSecret } from './secrets.ts';

export interface Runtime {
  config: Config;
  db: Db;
  databaseUrl: string;
  jwtSecret: string;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL when it is unset, and applies the
 * migrations. Every CLI command opens one runtime and closes it on exit.
 *
 * @example const runtime = await openRuntime(config, logger); … await runtime.close();
 */
export async function openRuntime(config: Config, logger: Logger, options: { migrate?: boolean } = {}): Promise<Runtime> {
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.DATA_DIR,
        port: config.EMBEDDED_PG_PORT,
        log: (message) => logger.debug({ component: 'embedded-postgres' }, message.trim()),
      });
  const databaseUrl = config.DATABASE_URL ?? embedded!.url;
  if (embedded) logger.info({ port: config.EMBEDDED_PG_PORT, dataDir: config.DATA_DIR }, 'embedded PostgreSQL started');
  const db = createDb({ url: databaseUrl, max: config.DATABASE_POOL_MAX });
  try {
    if (options.migrate ?? true) {
      const applied = await migrateToLatest(db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
  } catch (error) {
    await db.destroy();
    await embedded?.stop();
    throw error;
  }
  if (!config.JWT_SECRET && config.DATABASE_URL) {
    logger.warn('JWT_SECRET is unset: using a secret generated in DATA_DIR, which other instances will not share');
  }
  const jwtSecret = config.JWT_SECRET ?? (await localSecret(config.DATA_DIR, 'jwt-secret'));
  return {
    config,
    db,
    databaseUrl,
    jwtSecret,
    embedded: embedded !== undefined,
    async close() {
      await db.destroy();
      await embedded?.stop();
    },
  };
}
