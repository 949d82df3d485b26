import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];

/** The part of the options @fastify/rate-limit gives a custom store (`routeInfo` on a child). */
const routeOf = (options: object): { method: string; url: string } | undefined => (options as { routeInfo?: { method: string; url: string } }).routeInfo;

/** Counter windows kept in memory while Redis is away; expired ones are dropped past this size. */
const LOCAL_PRUNE_AT = 10_000;
/** Longest wait for Redis' answer before counting in memory instead. */
const REDIS_ANSWER_MS = 250;

const INCR = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {current, redis.call('PTTL', KEYS[1])}`;

type RateLimitRedis = Redis & { substreamRateLimit(key: string, windowMs: number): Promise<[number, number]> };

function localCounter() {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return (key: string, windowMs: number): { current: number; ttl: number } => {
    const now = Date.now();
    if (windows.size > LOCAL_PRUNE_AT) for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
    let window = windows.get(key);
    if (!window || window.resetAt <= now) windows.set(key, (window = { count: 0, resetAt: now + windowMs }));
    window.count += 1;
    return { current: window.count, ttl: window.resetAt - now };
  };
}

/**
 * A @fastify/rate-limit store that counts in Redis while its connection is ready (shared by every
 * instance) and in this instance's memory otherwise: when Redis is down, does not answer within
 * 250 ms or fails, the request is counted locally and `onFallback` reports it (log and metric), so
 * the limit keeps holding per instance instead of every request waiting on Redis or passing
 * unlimited. Counting returns to Redis by itself once it is ready again.
 *
 * @example await app.register(rateLimit, { store: failoverStore(app.redis, 'substream:rate-limit:', (e) => app.redisFallback('rate-limit', e)) });
 */
export function failoverStore(redis: Redis, prefix: string, onFallback: (reason: unknown) => void): FastifyRateLimitStoreCtor {
  const client = redis as RateLimitRedis;
  if (!client.substreamRateLimit) client.defineCommand('substreamRateLimit', { numberOfKeys: 1, lua: INCR });
  const local = localCounter();
  const inRedis = (key: string, windowMs: number): Promise<[number, number]> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${REDIS_ANSWER_MS} ms`)), REDIS_ANSWER_MS);
    });
    return Promise.race([client.substreamRateLimit(key, windowMs), late]).finally(() => clearTimeout(timer));
  };
  return class FailoverStore implements FastifyRateLimitStore {
    readonly #key: string;
    constructor(options: object, key = prefix) {
      const route = routeOf(options);
      this.#key = route ? `${key}${route.method}${route.url}-` : key;
    }
    incr(id: string, callback: Callback, windowMs: number): void {
      const key = `${this.#key}${id}`;
      const fallback = (reason: unknown) => {
        onFallback(reason);
        callback(null, local(key, windowMs));
      };
      if (client.status !== 'ready') return fallback(new Error(`Redis connection is ${client.status}`));
      inRedis(key, windowMs).then(([current, ttl]) => callback(null, { current, ttl: Math.max(ttl, 0) }), fallback);
    }
    child(options: object): FastifyRateLimitStore {
      return new FailoverStore(options, this.#key);
    }
  };
}
