import { Redis } from 'ioredis';
import t from 'tap';
import { sharedTenantSlots } from '../../api/live/tenant-slots.ts';
import { REDIS_URL, redisPrefix, redisSkip } from '../support/redis.ts';

// The shared live-feed cap: leases in Redis, counted on the instance while Redis is away.

t.test('while Redis is unreachable the cap holds on this instance, and each fallback is reported', async (t) => {
  const redis = new Redis({ port: 9, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  t.teardown(() => redis.disconnect());
  const reasons: unknown[] = [];
  const slots = sharedTenantSlots(redis, 'test:', 2, (reason) => reasons.push(reason));
  t.teardown(() => slots.close());
  const first = await slots.take('GTENANT');
  const second = await slots.take('GTENANT');
  t.ok(first && second, 'two slots');
  t.equal(await slots.take('GTENANT'), null, 'the third is refused');
  first!();
  t.ok(await slots.take('GTENANT'), 'a released slot is reusable');
  t.equal(reasons.length, 4, 'every take counted locally was reported');
});

t.test('a lease of a connection that was never released lapses, so a crashed instance frees its slots', { skip: redisSkip }, async (t) => {
  const prefix = redisPrefix(t);
  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.quit());
  await new Promise((resolve) => redis.once('ready', resolve));
  const crashed = sharedTenantSlots(redis, prefix, 1, () => t.fail('no fallback'));
  t.ok(await crashed.take('GTENANT'), 'the crashed instance held the only slot');
  const alive = sharedTenantSlots(redis, prefix, 1, () => t.fail('no fallback'));
  t.teardown(() => alive.close());
  t.equal(await alive.take('GTENANT'), null, 'held while its lease runs');
  // The crash: its renewals stop, its lease is left to lapse (here: moved to the past).
  const key = `${prefix}live:slots:GTENANT`;
  const [member] = await redis.zrange(key, '0', '0');
  await redis.zadd(key, '1', member!);
  t.ok(await alive.take('GTENANT'), 'after the lease lapsed the slot is free');
  t.equal(await redis.zcard(key), 1, 'the lapsed lease was removed, not counted');
});

t.test('a take that Redis answers too late leaves no lease behind once it lands', { skip: redisSkip }, async (t) => {
  const prefix = redisPrefix(t);
  const redis = new Redis(REDIS_URL);
  const pauser = new Redis(REDIS_URL);
  t.teardown(async () => {
    await redis.quit();
    await pauser.quit();
  });
  await Promise.all([redis, pauser].map((r) => new Promise((resolve) => r.once('ready', resolve))));
  const reasons: unknown[] = [];
  const slots = sharedTenantSlots(redis, prefix, 1, (reason) => reasons.push(reason));
  t.teardown(() => slots.close());
  await pauser.call('CLIENT', 'PAUSE', '600', 'ALL');
  const release = await slots.take('GTENANT');
  t.ok(release, 'counted on the instance while Redis is slow');
  t.equal(reasons.length, 1, 'the fallback was reported');
  await new Promise((resolve) => setTimeout(resolve, 900));
  t.equal(await redis.zcard(`${prefix}live:slots:GTENANT`), 0, 'the late lease was removed, not left to block the tenant on every instance');
  release!();
});
