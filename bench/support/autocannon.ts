import autocannon from 'autocannon';

/** One autocannon run's figures; `ok` counts only responses with the expected status. */
export interface Figures {
  route: string;
  ok: number;
  rate: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statuses: string;
  seconds: number;
  /** This process's CPU time over wall time (100% = one core): the servers and autocannon together. */
  cpu: number;
  /** p50 with a single connection (no queueing): the route's own service time. */
  serviceP50?: number;
}

/**
 * One autocannon run (options give url, connections, duration, requests).
 *
 * @example const f = await cannon('GET /hello', 200, { url, connections: 64, duration: 10 });
 */
export function cannon(route: string, okStatus: number, options: autocannon.Options): Promise<Figures> {
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => {
      if (error) return reject(error);
      const used = process.cpuUsage(cpu);
      const ok = result.statusCodeStats[String(okStatus)]?.count ?? 0;
      resolve({
        route,
        ok,
        rate: ok / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        statuses: Object.entries(result.statusCodeStats).map(([code, { count }]) => `${code}×${count}`).join(' '),
        seconds: result.duration,
        cpu: (used.user + used.system) / 1e6 / result.duration,
      });
    });
  });
}

/**
 * A 1 s warm-up, a 2 s single-connection probe (service time), then the measured run.
 *
 * @example const ceiling = await measure('GET /bench/hello', 200, { url, connections: 64, duration: 10 });
 */
export async function measure(route: string, okStatus: number, options: autocannon.Options): Promise<Figures> {
  await cannon('warm-up', okStatus, { ...options, duration: 1 });
  const probe = await cannon('probe', okStatus, { ...options, connections: 1, duration: 2 });
  return { ...(await cannon(route, okStatus, options)), serviceP50: probe.p50 };
}
