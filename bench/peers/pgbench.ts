import { execFile } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import type { Db } from '../../platform/database.ts';
import { SERVER_URL } from '../support/database.ts';
import { backendCpu } from '../support/backend-cpu.ts';
import { benchEvent } from '../support/bench-event.ts';
import type { Round } from './round.ts';

const run = promisify(execFile);
const PGBENCH = process.env.PGBENCH ?? '/usr/bin/pgbench';
const TABLE = 'bench_pgbench_events';

/** Why pgbench cannot run here, or undefined when it can. */
export async function pgbenchMissing(): Promise<string | undefined> {
  return access(PGBENCH).then(() => undefined, () => `${PGBENCH} not found (PGBENCH names another)`);
}

/** A JSON literal for the script: colons inside strings as \u003a (the same jsonb), since pgbench reads `:name` as a variable. */
const literal = (value: unknown) => `'${JSON.stringify(value).replace(/(?<!"):/g, '\\u003a').replaceAll("'", "''")}'`;

/**
 * A table with the events table's columns, defaults, constraints and indexes, and a pgbench script
 * of one-INSERT transactions into it with the bench event's payload: the ceiling for a durable
 * single write on this server. The revision is random (a collision in 9·10¹⁸ is not a concern).
 */
export async function preparePgbench(db: Db): Promise<{ script: string; cleanup(): Promise<void> }> {
  await sql.raw(`create table ${TABLE} (like events including all)`).execute(db);
  const event = benchEvent();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'substream-pgbench-'));
  const script = path.join(dir, 'insert.sql');
  await writeFile(script, [
    '\\set r random(1, 9000000000000000000)',
    `insert into ${TABLE} (event_id, stream_id, stream_revision, type, data, metadata) values (gen_random_uuid(), 'pgbench-' || :client_id, :r, '${event.type}', ${literal(event.data)}::jsonb, ${literal(event.metadata)}::jsonb);`,
    '',
  ].join('\n'));
  return { script, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * One pgbench round (`-M prepared`, one connection per client, 2 threads) for `seconds`. Its
 * backends' CPU is sampled from 1 s in to 0.5 s before the end (they exist only while it runs) and
 * divided by the transactions of that window at the reported rate: an estimate, labelled so.
 */
export async function pgbenchRound(database: string, script: string, clients: number, seconds: number): Promise<Round> {
  const url = new URL(SERVER_URL);
  const env = { ...process.env, PGHOST: url.hostname, PGPORT: url.port || '5432', PGUSER: decodeURIComponent(url.username || 'postgres'), PGPASSWORD: decodeURIComponent(url.password), PGAPPNAME: 'pgbench' };
  // Settled at once into a value: a pgbench that fails during the sampling waits is never an unhandled rejection.
  const done = run(PGBENCH, ['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', script, database], { env }).then(
    ({ stdout }) => ({ stdout, stderr: undefined as string | undefined, failed: undefined as unknown }),
    (failed: { stdout?: string; stderr?: string }) => ({ stdout: failed.stdout ?? '', stderr: failed.stderr, failed }),
  );
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const pg = await backendCpu(database, 'pgbench');
  const windowStarted = performance.now();
  await new Promise((resolve) => setTimeout(resolve, (seconds - 1.5) * 1_000));
  const pgSeconds = await pg();
  const window = (performance.now() - windowStarted) / 1_000;
  const { stdout, stderr, failed } = await done;
  // Other sessions share the server: report it as the store rounds do (round skipped), not as a crash.
  if (stderr?.includes('too many clients')) throw Object.assign(new Error('pgbench: no free connection'), { code: '53300' });
  if (failed) throw failed;
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1]);
  if (!Number.isFinite(tps)) throw new Error(`pgbench printed no rate:\n${stdout}`);
  return { rate: tps, nodeMsPerOp: NaN, pgMsPerOp: (pgSeconds * 1_000) / (tps * window), reconnects: 0, conflicts: 0, load: os.loadavg()[0]! };
}
