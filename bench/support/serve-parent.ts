import type { FastifyInstance } from 'fastify';

/**
 * The child side of server-process.ts: listens on a free port of 127.0.0.1, sends `{ port }` to
 * the parent, answers `'cpu'` with `{ cpuMicros }` (this process's user + system CPU) and
 * `'stats'` with `{ stats }` (its RSS and heap, plus what `stats` adds), and on `'stop'`, or when
 * the parent goes away, closes the server, runs `close`, and exits.
 *
 * @example await serveParent(app, () => db.destroy());
 */
export async function serveParent(
  server: FastifyInstance,
  close: () => Promise<void> = async () => {},
  stats: () => Record<string, number> = () => ({}),
): Promise<void> {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await close();
    process.exit(0);
  };
  process.on('disconnect', stop);
  process.on('message', (message) => {
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ cpuMicros: user + system });
    }
    if (message === 'stats') {
      const { rss, heapUsed } = process.memoryUsage();
      process.send!({ stats: { rss, heapUsed, ...stats() } });
    }
    if (message === 'stop') void stop();
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ port: (server.server.address() as { port: number }).port });
}
