import { sql } from 'kysely';
import type { Config } from './config.ts';
import { createDb, poolOptions, type Db } from './database.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import type { Logger } from './logger.ts';
import { migrateToLatest } from './migrate.ts';
import { installMasterKey } from './personal-data/keyring.ts';
import { parseMasterKey } from './personal-data/master-key.ts';
import { localSecret } from './secrets.ts';

export interface Runtime {
  config: Config;
  /** Migrations, projectors, indexer, CLI work: PROJECTION_STATEMENT_TIMEOUT_MS. */
  db: Db;
  /** The API's requests: DATABASE_STATEMENT_TIMEOUT_MS (connects lazily: unused outside `serve`). */
  apiDb: Db;
  databaseUrl: string;
  jwtSecret: string;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Applies every pending migration as the owner: on DATABASE_MIGRATION_URL when it is set (a pool
 * of one connection, closed after), else on `db`.
 *
 * @example const applied = await migrateAsOwner(config, runtime.db);
 */
export async function migrateAsOwner(config: Config, db: Db): Promise<string[]> {
  if (!config.DATABASE_MIGRATION_URL) return migrateToLatest(db);
  const owner = createDb({ url: config.DATABASE_MIGRATION_URL, max: 1, applicationName: 'substream-migrate' });
  try {
    return await migrateToLatest(owner);
  } finally {
    await owner.destroy();
  }
}

/**
 * Installs PII_PREVIOUS_MASTER_KEYS (unwrap only), then PII_MASTER_KEY, or outside production one
 * generated in DATA_DIR like the other secrets (loadConfig refuses production without it).
 */
async function installMasterKeys(config: Config): Promise<void> {
  for (const previous of config.PII_PREVIOUS_MASTER_KEYS?.split(',') ?? []) installMasterKey(parseMasterKey(previous, 'PII_PREVIOUS_MASTER_KEYS'));
  installMasterKey(parseMasterKey(config.PII_MASTER_KEY ?? (await localSecret(config.DATA_DIR, 'pii-master-key'))));
}

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL when it is unset, and applies the
 * migrations when `options.migrate` says so, else when MIGRATE_ON_START does, else only on the
 * embedded PostgreSQL: a deployment runs `substream migrate` as the owner and its processes as
 * roles that own nothing. Every CLI command opens one runtime and closes it on exit.
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
  const db = createDb(poolOptions(config, databaseUrl, 'worker'));
  const apiDb = createDb(poolOptions(config, databaseUrl, 'api'));
  try {
    if (options.migrate ?? config.MIGRATE_ON_START ?? embedded !== undefined) {
      const applied = await migrateAsOwner(config, db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    } else {
      // Fail here, naming the cause (no such database, refused login), not in whatever queries first.
      await sql`select 1`.execute(db);
    }
  } catch (error) {
    await Promise.all([db.destroy(), apiDb.destroy()]);
    await embedded?.stop();
    throw error;
  }
  if (!config.JWT_SECRET && config.DATABASE_URL) {
    logger.warn('JWT_SECRET is unset: using a secret generated in DATA_DIR, which other instances will not share');
  }
  const jwtSecret = config.JWT_SECRET ?? (await localSecret(config.DATA_DIR, 'jwt-secret'));
  await installMasterKeys(config);
  return {
    config,
    db,
    apiDb,
    databaseUrl,
    jwtSecret,
    embedded: embedded !== undefined,
    async close() {
      await Promise.all([db.destroy(), apiDb.destroy()]);
      await embedded?.stop();
    },
  };
}
