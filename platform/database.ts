import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ArrayRowsClient } from './array-rows.ts';
import type { Config } from './config.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

const pools = new WeakMap<Db, pg.Pool>();

/** How long the client waits for an answer beyond the server's statement_timeout before it gives up on the network. */
const QUERY_TIMEOUT_MARGIN_MS = 1_000;

/** The pg pool behind a `Db` from `createDb`, for pool metrics (`totalCount`, `idleCount`, `waitingCount`). */
export function poolOf(db: Db): pg.Pool | undefined {
  return pools.get(db);
}

export interface DbOptions {
  url: string;
  max?: number;
  applicationName?: string;
  /** Longest wait for a pooled connection (free slot and connect), pg's `connectionTimeoutMillis`; none when unset. */
  connectTimeoutMs?: number;
  /** The server's `statement_timeout` for every statement on the pool; the client also gives up 1 s later. */
  statementTimeoutMs?: number;
}

/**
 * The pool options of a role from the configuration: `api` (DATABASE_STATEMENT_TIMEOUT_MS) or
 * `worker` (projectors, sweeper, indexer: PROJECTION_STATEMENT_TIMEOUT_MS).
 *
 * @example const db = createDb(poolOptions(config, url, 'api'));
 */
export function poolOptions(config: Config, url: string, role: 'api' | 'worker'): DbOptions {
  return {
    url,
    max: config.DATABASE_POOL_MAX,
    applicationName: role === 'api' ? 'substream' : 'substream-worker',
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: role === 'api' ? config.DATABASE_STATEMENT_TIMEOUT_MS : config.PROJECTION_STATEMENT_TIMEOUT_MS,
  };
}

/**
 * Opens a pooled Kysely connection. The caller owns it and must `destroy()` it.
 *
 * @example const db = createDb({ url: config.DATABASE_URL, max: 20, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
 */
export function createDb(options: DbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'substream',
    Client: ArrayRowsClient,
    keepAlive: true,
    ...(options.connectTimeoutMs === undefined ? {} : { connectionTimeoutMillis: options.connectTimeoutMs }),
    ...(options.statementTimeoutMs === undefined
      ? {}
      : { statement_timeout: options.statementTimeoutMs, query_timeout: options.statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS }),
  });
  // A connection the server drops (restart, failover) fails the query that uses it and is then
  // discarded by the pool; without these listeners its 'error' event would crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}
