import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import t from 'tap';
import pg from 'pg';
import { TEST_SERVER_URL } from '../support/database.ts';
import { loginRoleUrl } from '../support/login-roles.ts';

const cli = new URL('../../bin/substream.ts', import.meta.url).pathname;

function run(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_|MIGRATE_ON_START)/.test(k)));
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...clean, JWT_SECRET: 'migrate-test-secret-at-least-32-chars!!', LOG_LEVEL: 'info', ...env } });
}

/** An empty database (no migration applied), dropped at teardown; its URL as the tests' owner. */
async function emptyDatabase(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const name = `substream_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_SERVER_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  t.teardown(async () => {
    const client = new pg.Client({ connectionString: TEST_SERVER_URL });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  });
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function tables(url: string): Promise<{ name: string; owner: string }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`select tablename as name, tableowner as owner from pg_tables where schemaname = 'public' order by 1`);
    return rows;
  } finally {
    await client.end();
  }
}

t.test('substream migrate runs as the owner on DATABASE_MIGRATION_URL while DATABASE_URL is the API login role', async (t) => {
  const owner = await emptyDatabase(t);
  const api = await loginRoleUrl('substream_api', owner);
  const migrated = run(['migrate'], { DATABASE_URL: api, DATABASE_MIGRATION_URL: owner });
  t.equal(migrated.status, 0, migrated.stderr);
  const created = await tables(owner);
  t.ok(created.some((r) => r.name === 'events'), 'the schema is there');
  t.same([...new Set(created.map((r) => r.owner))], ['postgres'], 'every table owned by the migration role');
  const again = run(['migrate'], { DATABASE_URL: api, DATABASE_MIGRATION_URL: owner });
  t.equal(again.status, 0, again.stderr);
  t.match(again.stdout, /database is up to date/);
});

t.test('a process started on DATABASE_URL migrates only when MIGRATE_ON_START says so', async (t) => {
  const url = await emptyDatabase(t);
  const plain = run(['projections', 'status'], { DATABASE_URL: url });
  t.equal(plain.status, 1, 'nothing migrated: the status query finds no table');
  t.same(await tables(url), [], 'no table created');
  const configured = run(['projections', 'status'], { DATABASE_URL: url, MIGRATE_ON_START: 'true' });
  t.equal(configured.status, 0, configured.stderr);
  t.ok((await tables(url)).some((r) => r.name === 'projection_checkpoints'), 'migrated at start');
});
