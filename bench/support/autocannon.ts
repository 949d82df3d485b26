import autocannon from 'autocannon';
import { backendCpu } from './backend-cpu.ts';
import type { ServerProcess } from './server-process.ts';

/** One autocannon run's figures; `ok` counts only responses with the expected status. */
export interface Figures {
  route: string;
  /** Every response, whatever its status. */
  responses: number;
  ok: number;
  rate: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statuses: string;
  seconds: number;
  /** The server child's CPU time over wall time (100% = one core). */
  cpu: number;
  /** This process's (autocannon's) CPU time over wall time. */
  cannonCpu: number;
  /** p50 with a single connection (no queueing): the route's own service time. */
  serviceP50?: number;
  /** The server child's CPU milliseconds per response: less sensitive to a busy machine than the rate. */
  nodeMsPerRequest: number;
  /** The API server's PostgreSQL backends' CPU milliseconds per response (NaN without a database). */
  pgMsPerRequest: number;
}

/** What a run is measured against: the server child, and the database its backends serve (if any). */
export interface Target {
  server: ServerProcess;
  database?: string;
  /** Called with each autocannon instance (to stop a run early). */
  onInstance?: (instance: autocannon.Instance) => void;
}

/**
 * One autocannon run (options give url, connections, duration, requests) in this process,
 * against a server in a child process whose CPU it reads before and after.
 *
 * @example const f = await cannon('GET /hello', 200, { url, connections: 64, duration: 10 }, { server: hello });
 */
export async function cannon(route: string, okStatus: number, options: autocannon.Options, { server, database, onInstance }: Target): Promise<Figures> {
  // Only the API server's pool (api-server.ts): the benches' own setup pools may close idle backends mid-run.
  const pg = database ? await backendCpu(database, 'substream-bench') : undefined;
  const serverBefore = await server.cpuSeconds();
  const own = process.cpuUsage();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    onInstance?.(instance);
  });
  const used = process.cpuUsage(own);
  const serverSeconds = (await server.cpuSeconds()) - serverBefore;
  const pgSeconds = pg ? await pg() : NaN;
  const ok = result.statusCodeStats[String(okStatus)]?.count ?? 0;
  return {
    route,
    responses: result.requests.total,
    ok,
    rate: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses: Object.entries(result.statusCodeStats).map(([code, { count }]) => `${code}×${count}`).join(' '),
    seconds: result.duration,
    cpu: serverSeconds / result.duration,
    cannonCpu: (used.user + used.system) / 1e6 / result.duration,
    nodeMsPerRequest: (serverSeconds * 1000) / result.requests.total,
    pgMsPerRequest: (pgSeconds * 1000) / result.requests.total,
  };
}

/**
 * A 1 s warm-up, a 2 s single-connection probe (service time), then the measured run; with a
 * database, its backends' CPU over the measured run too (the warm-up has filled the pool).
 *
 * @example const ceiling = await measure('GET /bench/hello', 200, { url, connections: 64, duration: 10 }, { server: hello });
 */
export async function measure(route: string, okStatus: number, options: autocannon.Options, target: Target): Promise<Figures> {
  const quick = { ...target, database: undefined };
  await cannon('warm-up', okStatus, { ...options, duration: 1 }, quick);
  const probe = await cannon('probe', okStatus, { ...options, connections: 1, duration: 2 }, quick);
  return { ...(await cannon(route, okStatus, options, target)), serviceP50: probe.p50 };
}
