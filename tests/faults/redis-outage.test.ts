import { Redis } from 'ioredis';
import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';
import { faultProxy } from '../support/fault-proxy.ts';
import { eventually } from '../support/projection-runs.ts';
import { REDIS_URL, redisPrefix, redisSkip } from '../support/redis.ts';

// Redis is optional at run time as it is at start: when it goes away the API keeps answering,
// rate limits fall back to this instance's counters (a warning and a metric say so), key
// revocation still answers and propagates within the documented bound, and when Redis is back the
// counters live there again.
const LIMIT = 4;
const redisTarget = new URL(REDIS_URL);

t.test('a Redis outage: per-instance rate limits, revocations that still answer, a metric, and Redis again after it', { skip: redisSkip }, async (t) => {
  const proxy = await faultProxy(t, { host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
  const prefix = redisPrefix(t);
  const { app, token } = await testApp(t, { REDIS_URL: proxy.through(REDIS_URL), REDIS_KEY_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  const inspect = new Redis(REDIS_URL);
  t.teardown(() => inspect.quit());
  const get = async (sub: string) => app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization: `Bearer ${await token(sub)}` } });

  // Before: counters in Redis (once the connection made at start is ready; until then, in memory).
  t.ok(await eventually(async () => app.redis?.status === 'ready', 5_000), 'connected');
  t.equal((await get(randomAccount())).statusCode, 200);
  t.ok((await inspect.keys(`${prefix}rate-limit:*`)).length > 0, 'with Redis up the counters live in Redis');
  const creator = randomAccount();
  const owner = `Bearer ${await token(creator, creator)}`;
  const key = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: owner }, payload: { name: 'k', scopes: ['subscriptions:read'] } });
  t.equal(key.statusCode, 201);

  // Redis goes away: nothing answers on its port.
  await proxy.refuse(true);
  proxy.cutAll();
  const wallet = randomAccount();
  const statuses: number[] = [];
  for (let i = 0; i < LIMIT + 2; i++) statuses.push((await get(wallet)).statusCode);
  t.same(statuses, [...Array(LIMIT).fill(200), 429, 429], 'the limit still holds, counted by this instance');
  const revoked = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.json().id}`, headers: { authorization: owner } });
  t.equal(revoked.statusCode, 204, 'a revocation is committed and answered; other instances drop the key within the cache bound');
  const refused = await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization: `Bearer ${key.json().key}` } });
  t.equal(refused.statusCode, 401, 'on this instance the revoked key is refused at once');
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /substream_redis_fallbacks_total\{use="rate-limit"\} [1-9]/, 'the fallback is counted');
  t.match(metrics, /substream_redis_up 0/, 'and Redis is reported down');

  // Redis is back: new counters go to Redis again.
  await proxy.refuse(false);
  const back = await eventually(async () => {
    const sub = randomAccount();
    await get(sub);
    return (await inspect.keys(`${prefix}rate-limit:*`)).some((k) => k.includes(sub));
  }, 15_000);
  t.ok(back, 'after the outage the counters live in Redis again');
  t.match((await app.inject({ method: 'GET', url: '/metrics' })).body, /substream_redis_up 1/);
});
