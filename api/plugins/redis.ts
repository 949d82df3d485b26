import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { Counter, Gauge } from 'prom-client';

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
    /**
     * Reports that `use` (rate-limit, bus) went on without Redis: a warning once per outage and
     * per use, and `substream_redis_fallbacks_total{use}`.
     */
    redisFallback(use: string, reason: unknown): void;
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

/**
 * Redis pub/sub between instances. While Redis is away a publish reaches this instance's handlers
 * only (`onFallback`), and subscribing never waits for it: ioredis subscribes once connected, and
 * the reconnect's resync tells every cache to drop what it may have missed meanwhile.
 */
function redisBus(publisher: Redis, subscriber: Redis, prefix: string, onFallback: (reason: unknown) => void): Bus {
  const handlers = new Map<string, Handler[]>();
  const deliverHere = (channel: string, message: string) => {
    for (const handler of handlers.get(channel) ?? []) handler(message);
  };
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
      if (publisher.status !== 'ready') {
        onFallback(new Error(`Redis connection is ${publisher.status}`));
        return deliverHere(channel, message);
      }
      const id = randomUUID();
      const echoed = handlers.has(channel)
        ? new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ECHO_TIMEOUT_MS);
            echoes.set(id, () => (clearTimeout(timer), resolve()));
          })
        : Promise.resolve();
      try {
        await publisher.publish(`${prefix}${channel}`, JSON.stringify({ id, message }));
        await echoed;
      } catch (error) {
        onFallback(error);
        deliverHere(channel, message);
      } finally {
        echoes.delete(id);
      }
    },
    async subscribe(channel, handler) {
      if (!handlers.has(channel)) {
        const subscribing = subscriber.subscribe(`${prefix}${channel}`).catch(onFallback);
        if (subscriber.status === 'ready') await subscribing;
      }
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    onResync(handler) {
      resyncs.push(handler);
    },
  };
}

/**
 * Redis (when REDIS_URL is set) and the pub/sub bus; connections close with the app. Redis is
 * optional at run time as at start: while it is away the bus and the rate limiter go on per
 * instance (see `redisFallback`), and `substream_redis_up` shows it.
 */
export default fp(
  async (app) => {
    const { REDIS_URL, REDIS_KEY_PREFIX } = app.services.config;
    if (!REDIS_URL) {
      app.decorate('redis', null);
      app.decorate('bus', localBus());
      app.decorate('redisFallback', () => {});
      return;
    }
    const options = { maxRetriesPerRequest: 3, enableOfflineQueue: true };
    // Commands issued in the same tick (e.g. the rate limiter's, one per concurrent request) share one write.
    const client = new Redis(REDIS_URL, { ...options, enableAutoPipelining: true });
    const subscriber = new Redis(REDIS_URL, options);
    for (const [role, connection] of [['client', client], ['subscriber', subscriber]] as const) {
      connection.on('error', (error: Error) => app.log.warn({ err: error, role }, 'Redis connection error'));
    }
    const registers = [app.metrics.registry];
    const fallbacks = new Counter({ name: 'substream_redis_fallbacks_total', help: 'Operations that went on without Redis (per instance) because it was unavailable', labelNames: ['use'], registers });
    new Gauge({
      name: 'substream_redis_up',
      help: '1 while the Redis connection of this process is ready',
      registers,
      collect() {
        this.set(client.status === 'ready' ? 1 : 0);
      },
    });
    const warned = new Set<string>();
    client.on('ready', () => {
      if (warned.size > 0) app.log.info({ fellBack: [...warned] }, 'Redis is back: shared rate limits and pub/sub again');
      warned.clear();
    });
    app.decorate('redisFallback', (use: string, reason: unknown) => {
      fallbacks.inc({ use });
      if (warned.has(use)) return;
      warned.add(use);
      app.log.warn({ err: reason, use }, 'Redis unavailable: going on per instance until it is back');
    });
    app.decorate('redis', client);
    app.decorate('bus', redisBus(client, subscriber, REDIS_KEY_PREFIX, (reason) => app.redisFallback('bus', reason)));
    app.addHook('onClose', async () => {
      await Promise.allSettled([client.quit(), subscriber.quit()]);
    });
  },
  { name: 'redis', dependencies: ['services', 'metrics'] },
);
