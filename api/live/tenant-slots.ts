import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface TenantSlots {
  /** Takes one of the tenant's slots: its release function, or null when the tenant holds `max` already. */
  take(tenant: string): Promise<(() => void) | null>;
  /** Stops renewing leases and gives back every slot still held. */
  close(): void;
}

/**
 * Counts the live connections each tenant holds on this instance, up to `max`.
 *
 * @example const release = await localTenantSlots(20).take(tenant); if (!release) socket.close(4409, 'LIVE.TOO_MANY_CONNECTIONS');
 */
export function localTenantSlots(max: number): TenantSlots {
  const held = new Map<string, number>();
  return {
    async take(tenant) {
      const n = held.get(tenant) ?? 0;
      if (n >= max) return null;
      held.set(tenant, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (held.get(tenant) ?? 0) - 1;
        if (left > 0) held.set(tenant, left);
        else held.delete(tenant);
      };
    },
    close() {},
  };
}

/** A slot is a lease: an instance that dies without releasing gives its slots back after this. */
const LEASE_MS = 30_000;
const RENEW_EVERY_MS = 10_000;
/** Longest wait for Redis' answer before counting on this instance instead. */
const REDIS_ANSWER_MS = 250;

// Redis' own clock, so instances whose clocks disagree still agree on which leases expired.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const TAKE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1`;
const RENEW = `${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 1`;

type SlotsRedis = Redis & {
  substreamLiveTake(key: string, max: number, leaseMs: number, member: string): Promise<number>;
  substreamLiveRenew(key: string, leaseMs: number, ...members: string[]): Promise<number>;
};

/**
 * The per-tenant cap shared by every instance through Redis: each connection holds a lease in a
 * sorted set per tenant (`<prefix>live:slots:<tenant>`), taken atomically against `max`, renewed
 * while it lives and removed when it closes; a crashed instance's leases lapse after 30 s. While
 * Redis is down, slow or failing, slots are counted on this instance (`onFallback` reports it),
 * so the cap keeps holding per instance instead of refusing or admitting everyone.
 *
 * @example const slots = sharedTenantSlots(app.redis, 'substream:', 20, (e) => app.redisFallback('live-slots', e));
 */
export function sharedTenantSlots(redis: Redis, prefix: string, max: number, onFallback: (reason: unknown) => void): TenantSlots {
  const client = redis as SlotsRedis;
  if (!client.substreamLiveTake) client.defineCommand('substreamLiveTake', { numberOfKeys: 1, lua: TAKE });
  if (!client.substreamLiveRenew) client.defineCommand('substreamLiveRenew', { numberOfKeys: 1, lua: RENEW });
  const local = localTenantSlots(max);
  const instance = randomUUID();
  /** Leases held in Redis by this instance: tenant key → members. */
  const leases = new Map<string, Set<string>>();
  const keyOf = (tenant: string) => `${prefix}live:slots:${tenant}`;

  const answered = <T>(work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${REDIS_ANSWER_MS} ms`)), REDIS_ANSWER_MS);
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  };
  const renew = () => {
    if (client.status !== 'ready') return;
    for (const [key, members] of leases) {
      if (members.size > 0) client.substreamLiveRenew(key, LEASE_MS, ...members).catch(onFallback);
    }
  };
  const timer = setInterval(renew, RENEW_EVERY_MS).unref();

  return {
    async take(tenant) {
      if (client.status !== 'ready') {
        onFallback(new Error(`Redis connection is ${client.status}`));
        return local.take(tenant);
      }
      const key = keyOf(tenant);
      const member = `${instance}:${randomUUID()}`;
      const asked = client.substreamLiveTake(key, max, LEASE_MS, member);
      let taken: number;
      try {
        taken = await answered(asked);
      } catch (error) {
        // Counted here instead; a take that still lands in Redis later is given back at once.
        asked.then(async (late) => {
          if (late === 1) await client.zrem(key, member);
        }, () => undefined).catch(onFallback);
        onFallback(error);
        return local.take(tenant);
      }
      if (taken !== 1) return null;
      const members = leases.get(key) ?? new Set<string>();
      leases.set(key, members.add(member));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        members.delete(member);
        if (members.size === 0) leases.delete(key);
        client.zrem(key, member).catch(onFallback);
      };
    },
    close() {
      clearInterval(timer);
      for (const [key, members] of leases) if (members.size > 0) client.zrem(key, ...members).catch(() => {});
      leases.clear();
    },
  };
}
