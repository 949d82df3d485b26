import { createServer, Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in the test process in front of a real server (PostgreSQL, Redis) that injects
 * network faults: cut every open connection, cut the next query in flight (the server received
 * it, the client never hears the answer), add latency, and refuse new connections.
 */
export interface FaultProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  through(url: string): string;
  /** Destroys every open connection (both sides), like a server restart or a network cut. */
  cutAll(): void;
  /** The next `count` client→server writes are forwarded, then their connection is destroyed before any answer. */
  cutMidQuery(count?: number): void;
  /** Delays every chunk in both directions by `ms` (0 = none). */
  latency(ms: number): void;
  /** While true, the listening socket is closed: connects get ECONNREFUSED. */
  refuse(on: boolean): Promise<void>;
  /** Connections accepted so far, and open now. */
  stats(): { accepted: number; open: number; cutMidQuery: number };
  close(): Promise<void>;
}

/**
 * Starts a fault proxy towards `target` (host:port) and closes it at teardown.
 *
 * @example const proxy = await faultProxy(t, { host: '127.0.0.1', port: 5432 }); proxy.cutAll();
 */
export async function faultProxy(t: { teardown(fn: () => unknown): void }, target: { host: string; port: number }): Promise<FaultProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let delayMs = 0;
  let midQueryCuts = 0;
  let accepted = 0;
  let cutMid = 0;
  let server: Server | undefined;
  let port = 0;

  const relay = (from: Socket, to: Socket, pair: [Socket, Socket], upstream: boolean) => {
    from.on('data', (chunk: Buffer) => {
      const forward = () => {
        if (to.destroyed) return;
        to.write(chunk);
        if (upstream && midQueryCuts > 0) {
          midQueryCuts--;
          cutMid++;
          // Let the chunk leave, then cut before the server's answer can come back.
          setImmediate(() => destroy(pair));
        }
      };
      if (delayMs > 0) setTimeout(forward, delayMs);
      else forward();
    });
  };
  const destroy = (pair: [Socket, Socket]) => {
    pairs.delete(pair);
    for (const socket of pair) socket.destroy();
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        accepted++;
        const upstream = new Socket();
        const pair: [Socket, Socket] = [client, upstream];
        pairs.add(pair);
        for (const socket of pair) {
          socket.setNoDelay(true);
          socket.on('error', () => destroy(pair));
          socket.on('close', () => destroy(pair));
        }
        relay(client, upstream, pair, true);
        relay(upstream, client, pair, false);
        upstream.connect(target.port, target.host);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
      // close() waits for open connections; the caller decides whether to cut them.
      setImmediate(resolve);
    });
  await listen();
  const proxy: FaultProxy = {
    port,
    through(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cutAll() {
      for (const pair of [...pairs]) destroy(pair);
    },
    cutMidQuery(count = 1) {
      midQueryCuts += count;
    },
    latency(ms) {
      delayMs = ms;
    },
    async refuse(on) {
      if (on) await stopListening();
      else if (!server) await listen();
    },
    stats: () => ({ accepted, open: pairs.size, cutMidQuery: cutMid }),
    async close() {
      await stopListening();
      proxy.cutAll();
    },
  };
  t.teardown(() => proxy.close());
  return proxy;
}
