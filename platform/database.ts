import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

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
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
