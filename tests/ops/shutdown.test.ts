import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import t from 'tap';
import type { Db } from '../../platform/database.ts';
import { testDatabase } from '../support/database.ts';

// The real CLI in a child process: `serve` against a test database, and `npm start` with the
// embedded PostgreSQL. Both must stop cleanly within the 10 s grace of platform/shutdown.ts.
const root = fileURLToPath(new URL('../..', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

interface Child {
  process: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Starts a child in its own process group (so the test can signal the group like Ctrl-C does). */
function start(command: string, args: string[], env: NodeJS.ProcessEnv, t: Tap): Child {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal, at: Date.now() })),
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });
  return { process: child, output: () => output, exited };
}

type Tap = { teardown(fn: () => unknown): void };

/** Polls `/health` until it answers 200, the child exits, or the deadline passes. */
async function waitHealthy(base: string, child: Child, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.process.exitCode !== null) return false;
    const ok = await fetch(`${base}/health`).then((r) => r.status === 200, () => false);
    if (ok) return true;
    await new Promise((done) => setTimeout(done, 200));
  }
  return false;
}

/** One GET on a keep-alive connection that stays open (idle) afterwards. */
function keepAliveGet(port: number, path: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { connection: 'keep-alive' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.end();
  });
}

const connectionRefused = (base: string) =>
  fetch(`${base}/health`).then(
    () => false,
    (error: { cause?: { code?: string } }) => error.cause?.code === 'ECONNREFUSED',
  );

const baseEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const { DATABASE_URL: _unused, ...env } = process.env;
  return { ...env, LOG_LEVEL: 'info', HOST: '127.0.0.1', JWT_SECRET: 'shutdown-test-secret-at-least-32-characters', ...extra };
};

t.test('serve: SIGTERM stops accepting, drains, closes the pools and exits 0 within 10 s', async (t) => {
  const database = await testDatabase(t);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const before = await serverConnections(database.db, []);
  const child = start(process.execPath, ['bin/substream.ts', 'serve'], baseEnv({ DATABASE_URL: database.url, PORT: String(port) }), t);
  t.ok(await waitHealthy(base, child, 30_000), 'serves /health');
  t.equal(await keepAliveGet(port, '/ready'), 200, '/ready on a connection kept alive');

  const signalled = Date.now();
  child.process.kill('SIGTERM');
  const { code, signal, at } = await child.exited;
  t.equal(code, 0, 'exit code 0');
  t.equal(signal, null);
  t.ok(at - signalled < 10_000, `stopped in ${at - signalled} ms`);
  t.match(child.output(), /"msg":"shutting down"/);
  t.match(child.output(), /"msg":"stopped"/);
  t.ok(await connectionRefused(base), 'no longer accepts connections');
  t.same(await serverConnections(database.db, before), [], 'the server closed its database connections');
});

t.test('npm start: embedded PostgreSQL in DATA_DIR, /health 200, SIGINT leaves no postgres behind', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'substream-start-'));
  chmodSync(dataDir, 0o755); // as root, the server runs as the `postgres` user and must reach it
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const [port, pgPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const child = start('npm', ['start', '--silent'], baseEnv({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), PORT: String(port) }), t);
  t.teardown(() => {
    for (const line of postgresProcesses(dataDir).split('\n').filter(Boolean)) process.kill(Number.parseInt(line, 10), 'SIGKILL');
  });
  t.ok(await waitHealthy(base, child, 120_000), `serves /health (output: ${child.output().slice(-400)})`);
  t.match(child.output(), /embedded PostgreSQL started/);

  // Ctrl-C: the terminal signals the whole foreground group — npm, node and the embedded server.
  const signalled = Date.now();
  process.kill(-child.process.pid!, 'SIGINT');
  const { code, signal, at } = await child.exited;
  // npm re-raises the Ctrl-C it received once its script has exited; the server itself exits 0
  // (checked on the second start below, without npm in between).
  t.ok(code === 0 || signal === 'SIGINT', `npm start ends like a Ctrl-C'd npm (code ${code}, signal ${signal})`);
  t.ok(at - signalled < 10_000, `stopped in ${at - signalled} ms`);
  t.match(child.output(), /"msg":"stopped"/, `logs stopped (${lastLines(child)})`);
  t.notMatch(child.output(), /"level":(50|60)|Unhandled|second signal/, 'no error on the way out');
  t.ok(await connectionRefused(base), 'the API is gone');
  t.equal(postgresProcesses(dataDir), '', 'no postgres process of this DATA_DIR is left');
  t.ok(await portClosed(pgPort), 'the embedded PostgreSQL port is closed');

  // The same DATA_DIR again (initialised, migrated), this time the server alone.
  const again = start(process.execPath, ['bin/substream.ts', 'serve'], baseEnv({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), PORT: String(port) }), t);
  t.ok(await waitHealthy(base, again, 60_000), `restarts on the existing data (output: ${again.output().slice(-400)})`);
  process.kill(-again.process.pid!, 'SIGINT');
  const second = await again.exited;
  t.equal(second.code, 0, `the server exits 0 on Ctrl-C (${JSON.stringify(second)}: ${lastLines(again)})`);
  t.match(again.output(), /"msg":"stopped"/);
  t.equal(postgresProcesses(dataDir), '', 'no postgres process is left after the second run');
});

/** The end of a child's output without the request logs, for assertion messages. */
function lastLines(child: Child): string {
  return child.output().split('\n').filter((l) => !/incoming request|request completed/.test(l)).slice(-12).join('\n');
}

/** Backends connected to the test database other than this query's own and those in `known`. */
async function serverConnections(db: Db, known: number[]): Promise<number[]> {
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid()`.execute(db);
  return rows.map((r) => r.pid).filter((pid) => !known.includes(pid));
}

/** Command lines of processes that run a server on `dataDir`. */
function postgresProcesses(dataDir: string): string {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => line.includes(join(dataDir, 'pg')) && !line.includes('ps -eo')).join('\n');
}

async function portClosed(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}
