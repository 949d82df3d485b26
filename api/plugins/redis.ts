import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';

type Handler = (message: string) => void;

/** Fan-out between API instances: Redis pub/sub when REDIS_URL is set, in-process otherwise. */
export interface Bus {
  /**
   * Publishes to every instance; resolves once Redis has delivered the message back to this
   * instance (so every subscriber has been sent it), or at once in-process.
   */
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: Handler): Promise<void>;
  /** Called after the subscriber reconnects: messages may have been missed, drop caches. */
  onResync(handler: () => void): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The shared Redis client (keys under REDIS_KEY_PREFIX), or null without REDIS_URL. */
    redis: Redis | null;
    bus: Bus;
  }
}

const ECHO_TIMEOUT_MS = 1_000;

function localBus(): Bus {
  const handlers = new Map<string, Handler[]>();
  return {
    async publish(channel, message) {
      for (const handler of handlers.get(channel) ?? []) handler(message);
    },
    async subscribe(channel, handler) {
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    onResync() {},
  };
}

function redisBus(publisher: Redis, subscriber: Redis, prefix: string): Bus {
  const handlers = new Map<string, Handler[]>();
  const echoes = new Map<string, () => void>();
  const resyncs: (() => void)[] = [];
  let connectedOnce = false;
  subscriber.on('ready', () => {
    if (connectedOnce) for (const resync of resyncs) resync();
    connectedOnce = true;
  });
  subscriber.on('message', (channel: string, raw: string) => {
    const { id, message } = JSON.parse(raw) as { id: string; message: string };
    for (const handler of handlers.get(channel.slice(prefix.length)) ?? []) handler(message);
    echoes.get(id)?.();
  });
  return {
    async publish(channel, message) {
      const id = randomUUID();
      const echoed = handlers.has(channel)
        ? new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ECHO_TIMEOUT_MS);
            echoes.set(id, () => (clearTimeout(timer), resolve()));
          })
        : Promise.resolve();
      await publisher.publish(`${prefix}${channel}`, JSON.stringify({ id, message }));
      await echoed;
      echoes.delete(id);
    },
    async subscribe(channel, handler) {
      if (!handlers.has(channel)) await subscriber.subscribe(`${prefix}${channel}`);
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    onResync(handler) {
      resyncs.push(handler);
    },
  };
}

/** Redis (when REDIS_URL is set) and the pub/sub bus; connections close with the app. */
export default fp(
  async (app) => {
    const { REDIS_URL, REDIS_KEY_PREFIX } = app.services.config;
    if (!REDIS_URL) {
      app.decorate('redis', null);
      app.decorate('bus', localBus());
      return;
    }
    const options = { maxRetriesPerRequest: 3, enableOfflineQueue: true };
    // Commands issued in the same tick (e.g. the rate limiter's, one per concurrent request) share one write.
    const client = new Redis(REDIS_URL, { ...options, enableAutoPipelining: true });
    const subscriber = new Redis(REDIS_URL, options);
    for (const [role, connection] of [['client', client], ['subscriber', subscriber]] as const) {
      connection.on('error', (error: Error) => app.log.warn({ err: error, role }, 'Redis connection error'));
    }
    app.decorate('redis', client);
    app.decorate('bus', redisBus(client, subscriber, REDIS_KEY_PREFIX));
    app.addHook('onClose', async () => {
      await Promise.allSettled([client.quit(), subscriber.quit()]);
    });
  },
  { name: 'redis', dependencies: ['services'] },
);
