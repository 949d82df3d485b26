import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from '../../platform/database.ts';
import { migrateToLatest } from '../../platform/migrate.ts';
import './test-master-key.ts';
import { testServerUrl } from './test-server.ts';

/** The server tests run against: TEST_DATABASE_URL, else the machine's, else this run's embedded one (test-server.ts). */
export const TEST_SERVER_URL = testServerUrl();

export { TEST_PII_MASTER_KEY } from './test-master-key.ts';

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Creates a fresh, migrated database on the real PostgreSQL for one test file and drops it after.
 *
 * @example const { db } = await testDatabase(t);
 */
export async function testDatabase(t: { teardown(fn: () => unknown): void }, options: { poolMax?: number } = {}): Promise<TestDatabase> {
  const name = `substream_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_SERVER_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = withDatabase(TEST_SERVER_URL, name);
  const db = createDb({ url, max: options.poolMax ?? 10 });
  await migrateToLatest(db);
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await db.destroy();
    const client = new pg.Client({ connectionString: TEST_SERVER_URL });
    await client.connect();
    // pg's pool.end() resolves before its sockets close: let those backends exit before forcing,
    // or the server's termination message surfaces as an error in the test.
    for (let i = 0; i < 50; i++) {
      const { rows } = await client.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
      if (rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  };
  t.teardown(drop);
  return { db, url, name, drop };
}
