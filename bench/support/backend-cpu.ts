import { readFile } from 'node:fs/promises';
import { admin } from './database.ts';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function ticksOf(pids: number[]): Promise<Map<number, number>> {
  const ticks = new Map<number, number>();
  for (const pid of pids) ticks.set(pid, await cpuTicks(pid).catch(() => NaN));
  return ticks;
}

/**
 * Starts measuring the CPU time of a database's PostgreSQL backends, or only of those whose
 * client set `applicationName` (the server must run on this machine: /proc). The returned
 * function gives the seconds they used since, NaN when unreadable (a backend that exited).
 * Backends opened after the start are not counted: start once the pool is full.
 *
 * @example const stop = await backendCpu('substream_bench_x', 'substream-bench'); … const seconds = await stop();
 */
export async function backendCpu(database: string, applicationName?: string): Promise<() => Promise<number>> {
  const { rows } = await admin('select pid from pg_stat_activity where datname = $1 and ($2::text is null or application_name = $2)', [database, applicationName ?? null]);
  const before = await ticksOf(rows.map((r: { pid: number }) => r.pid));
  return async () => {
    const after = await ticksOf([...before.keys()]);
    let used = 0;
    for (const [pid, start] of before) used += (after.get(pid) ?? NaN) - start;
    return used / TICKS_PER_SECOND;
  };
}
