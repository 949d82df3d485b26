import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { TEST_SERVER_URL, testDatabase } from '../support/database.ts';
import { REDIS_URL, redisPrefix, redisSkip } from '../support/redis.ts';

// The real CLI in a child process, started where it cannot start: it must log one error line naming
// what failed, stop what it had started (projectors, sweeper, Redis, pool) and exit 1 by itself.
const root = fileURLToPath(new URL('../..', import.meta.url));
const DEADLINE_MS = 30_000;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON log lines on stdout. */
  lines: { level: number; msg: string; err?: { code?: string } }[];
}

/** Runs `substream <args>` until it exits, or kills it after DEADLINE_MS (code null: it hung). */
function substream(args: string[], env: Record<string, string>): Promise<Exit> {
  const { DATABASE_URL: _unused, ...inherited } = process.env;
  const child = spawn(process.execPath, ['bin/substream.ts', ...args], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'info', HOST: '127.0.0.1', JWT_SECRET: 'startup-failure-test-secret-at-least-32-chars', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const deadline = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  return new Promise((done) =>
    child.once('close', (code) => {
      clearTimeout(deadline);
      const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      done({ code, stdout, stderr, lines });
    }),
  );
}

/** Checks the one way a start may fail: exit 1, one error line matching `reason`, `stopped` after it, nothing on stderr. */
function failedCleanly(t: Test, exit: Exit, reason: RegExp): void {
  t.equal(exit.code, 1, `exits 1 within ${DEADLINE_MS} ms`, { stdout: exit.stdout.slice(-1000), stderr: exit.stderr.slice(-1000) });
  const errors = exit.lines.filter((l) => l.level >= 50);
  t.equal(errors.length, 1, 'one error line');
  t.match(errors[0]?.msg, reason);
  const stopped = exit.lines.findIndex((l) => l.msg === 'stopped');
  t.ok(stopped > exit.lines.indexOf(errors[0]!), 'logs stopped after stopping what had started');
  t.equal(exit.stderr, '', 'no unhandled rejection or stack trace on stderr');
}

async function holdPort(t: { teardown(fn: () => unknown): void }): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.teardown(() => new Promise((done) => server.close(done)));
  return (server.address() as { port: number }).port;
}

t.test('serve on a port already in use: logs EADDRINUSE, stops its projectors, sweeper and Redis, exits 1', { skip: redisSkip }, async (t) => {
  const database = await testDatabase(t);
  const port = await holdPort(t);
  const exit = await substream(['serve', '--port', String(port)], { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t) });
  failedCleanly(t, exit, new RegExp(`^serve could not start: listening on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`));
  t.equal(exit.lines.find((l) => l.level >= 50)?.err?.code, 'EADDRINUSE', 'the error itself is logged');
});

t.test('serve on a database that does not exist: names the database, exits 1', async (t) => {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/substream_missing_${randomBytes(6).toString('hex')}`;
  const exit = await substream(['serve', '--port', '0'], { DATABASE_URL: url.toString() });
  failedCleanly(t, exit, /^serve could not start: opening the database: database "substream_missing_\w+" does not exist/);
});

t.test('serve whose projectors fail to start: closes the server it had opened, exits 1', { skip: redisSkip }, async (t) => {
  const database = await testDatabase(t);
  // Migrated (so the runtime opens), but the projectors' first query fails.
  await sql`alter table projection_checkpoints rename to projection_checkpoints_gone`.execute(database.db);
  const exit = await substream(['serve', '--port', '0'], { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t) });
  failedCleanly(t, exit, /^serve could not start: starting the projectors: relation "projection_checkpoints" does not exist/);
});

t.test('project whose projectors fail to start: waits for the sweeper, logs the error, exits 1', { skip: redisSkip }, async (t) => {
  const database = await testDatabase(t);
  await sql`alter table projection_checkpoints rename to projection_checkpoints_gone`.execute(database.db);
  const exit = await substream(['project'], { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t) });
  t.equal(exit.code, 1, `exits 1 within ${DEADLINE_MS} ms`, { stdout: exit.stdout.slice(-1000), stderr: exit.stderr.slice(-1000) });
  t.match(exit.lines.filter((l) => l.level >= 50).map((l) => l.msg), [/^project could not start the projectors: relation "projection_checkpoints" does not exist/]);
  t.equal(exit.stderr, '', 'no unhandled rejection or stack trace on stderr');
});
