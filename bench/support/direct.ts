import { backendCpu } from './backend-cpu.ts';

/** One closed-loop run of an operation called directly (no HTTP). */
export interface DirectFigures {
  label: string;
  rate: number;
  p50: number;
  p99: number;
  /** This process's CPU milliseconds per operation. */
  nodeMsPerOp: number;
  /** The database's backends' CPU milliseconds per operation (only those of `applicationName`). */
  pgMsPerOp: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/**
 * Runs `op` from `concurrency` loops for `seconds` in this process (after a 1 s warm-up) and
 * measures its rate, latency and CPU: what the operation costs without the HTTP server around
 * it, the floor under the API's own figures. `applicationName` picks the pool's backends.
 *
 * @example const floor = await measureDirect('read in scope', { seconds: 10, concurrency: 64, database, applicationName: 'substream-bench-direct' }, (i) => readInScope(db, scope(i), query(i)));
 */
export async function measureDirect(
  label: string,
  options: { seconds: number; concurrency: number; database: string; applicationName: string },
  op: (i: number) => Promise<unknown>,
): Promise<DirectFigures> {
  let next = 0;
  const loops = async (until: number, latencies?: number[]) => {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < until) {
          const started = performance.now();
          await op(next++);
          latencies?.push(performance.now() - started);
        }
      }),
    );
  };
  await loops(performance.now() + 1_000);
  const pg = await backendCpu(options.database, options.applicationName);
  const cpu = process.cpuUsage();
  const latencies: number[] = [];
  const started = performance.now();
  await loops(started + options.seconds * 1_000, latencies);
  const seconds = (performance.now() - started) / 1_000;
  const used = process.cpuUsage(cpu);
  const pgSeconds = await pg();
  latencies.sort((a, b) => a - b);
  return {
    label,
    rate: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    nodeMsPerOp: (used.user + used.system) / 1_000 / latencies.length,
    pgMsPerOp: (pgSeconds * 1_000) / latencies.length,
  };
}
