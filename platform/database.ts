import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ArrayRowsClient } from './array-rows.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

const pools = new WeakMap<Db, pg.Pool>();

/** The pg pool behind a `Db` from `createDb`, for pool metrics (`totalCount`, `idleCount`, `waitingCount`). */
export function poolOf(db: Db): pg.Pool | undefined {
  return pools.get(db);
}

/**
 * Opens a pooled Kysely connection. The caller owns it and must `destroy()` it.
 *
 * @example const db = createDb({ url: config.DATABASE_URL, max: 20 });
 */
export function createDb(options: { url: string; max?: number; applicationName?: string }): Db {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'substream',
    Client: ArrayRowsClient,
  });
  // A connection the server drops (restart, failover) fails the query that uses it and is then
  // discarded by the pool; without these listeners its 'error' event would crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}
