import os from 'node:os';
import { backendCpu } from '../support/backend-cpu.ts';
import { admin } from '../support/database.ts';
import type { Side } from './stores.ts';
import type { Workload } from './workloads.ts';

/** One measured round of one store on one workload. */
export interface Round {
  rate: number;
  nodeMsPerOp: number;
  pgMsPerOp: number;
  /** Connections the pool opened during the measured window (replacements: the pool was full before it). */
  reconnects: number;
  conflicts: number;
  load: number;
}

/**
 * Opens `side` with one connection per writer, warms it up (fills the pool, plans, JIT), then runs
 * the workload for `seconds` and measures its rate and the CPU per operation of this process and
 * of the store's backends; the pool is closed after, so rounds of different stores never hold
 * connections at once.
 *
 * @example const round = await measureRound(substream, appends(16, 1), { url, database, seconds: 3 });
 */
export async function measureRound(side: Side, workload: Workload, at: { url: string; database: string; seconds: number }): Promise<Round> {
  const store = await side.open(at.url, workload.writers);
  try {
    const op = await workload.prepare(store);
    const loops = async (until: number) => {
      const done = await Promise.all(Array.from({ length: workload.writers }, async (_, w) => {
        let n = 0;
        while (performance.now() < until) n += await op(w);
        return n;
      }));
      return done.reduce((a, b) => a + b, 0);
    };
    await loops(performance.now() + 700);
    const conflictsBefore = workload.conflicts?.() ?? 0;
    const connectsBefore = store.connects();
    const pg = await backendCpu(at.database, side.applicationName);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const ops = await loops(started + at.seconds * 1_000);
    const seconds = (performance.now() - started) / 1_000;
    const used = process.cpuUsage(cpu);
    const pgSeconds = await pg();
    return {
      rate: ops / seconds,
      nodeMsPerOp: (used.user + used.system) / 1_000 / ops,
      pgMsPerOp: (pgSeconds * 1_000) / ops,
      reconnects: store.connects() - connectsBefore,
      conflicts: (workload.conflicts?.() ?? 0) - conflictsBefore,
      load: os.loadavg()[0]!,
    };
  } finally {
    await store.close();
    await backendsGone(at.database, side.applicationName);
  }
}

/** pg's pool.end() resolves before its backends exit: wait (≤ 2 s) so the next round finds their connection slots free. */
async function backendsGone(database: string, applicationName: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await admin('select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = $2', [database, applicationName]);
    if (rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
