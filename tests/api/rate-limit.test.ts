import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';
import { REDIS_URL, redisPrefix, redisSkip } from '../support/redis.ts';



const toml = (app: FastifyInstance) => app.inject({ method: 'GET', url: '/.well-known/stellar.toml' });
const me = (app: FastifyInstance, authorization: string) => app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization } });

t.test('two instances share one Redis counter; 429 in the one error shape with Retry-After', { skip: redisSkip }, async (t) => {
  const env = { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t), RATE_LIMIT_PER_MINUTE: '5' };
  const one = await testApp(t, env);
  const two = await testApp(t, env, { database: one.database });

  const remaining: string[] = [];
  for (let i = 0; i < 5; i += 1) {
    const response = await toml(i % 2 === 0 ? one.app : two.app);
    t.equal(response.statusCode, 200, `request ${i + 1} of 5`);
    t.equal(response.headers['ratelimit-limit'], '5');
    remaining.push(String(response.headers['ratelimit-remaining']));
  }
  t.same(remaining, ['4', '3', '2', '1', '0'], 'one counter across both instances');
  for (const app of [one.app, two.app]) {
    const limited = await toml(app);
    t.equal(limited.statusCode, 429);
    t.equal(limited.json().code, 'RATE_LIMIT.EXCEEDED');
    t.equal(limited.json().details.limit, 5);
    t.equal(limited.json().requestId, limited.headers['x-request-id']);
    const retryAfter = Number(limited.headers['retry-after']);
    t.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    t.equal(limited.headers['ratelimit-remaining'], '0');
    t.ok(limited.headers['ratelimit-reset']);
  }
  t.equal((await one.app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'probes are never limited');

  const forged = await one.app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization: 'Bearer not.a.token' } });
  t.equal(forged.statusCode, 429, 'refused credentials count against the IP (no free guessing)');

  const user = randomAccount();
  const authorized = await me(two.app, `Bearer ${await one.token(user)}`);
  t.equal(authorized.statusCode, 200, 'an authenticated principal has its own bucket, not its IP\'s');
  t.equal(authorized.headers['ratelimit-remaining'], '4');
});

t.test('per principal, per API key, and per-tenant overrides', { skip: redisSkip }, async (t) => {
  const big = randomAccount();
  const env = {
    REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t), RATE_LIMIT_PER_MINUTE: '3',
    RATE_LIMIT_TENANT_OVERRIDES: JSON.stringify({ [big]: 10 }),
  };
  const { app, token } = await testApp(t, env);
  const alice = `Bearer ${await token(randomAccount())}`;
  const bob = `Bearer ${await token(randomAccount())}`;
  for (let i = 0; i < 3; i += 1) t.equal((await me(app, alice)).statusCode, 200);
  t.equal((await me(app, alice)).statusCode, 429, 'alice is limited');
  t.equal((await me(app, bob)).statusCode, 200, 'bob is not');

  const tenant = `Bearer ${await token(big, big)}`;
  const overridden = await me(app, tenant);
  t.equal(overridden.headers['ratelimit-limit'], '10', 'the tenant override applies');

  const created = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: tenant }, payload: { name: 'k', scopes: ['subscriptions:read'] } });
  const key = `Bearer ${created.json().key}`;
  t.equal((await me(app, key)).statusCode, 200, 'first use: a key this instance never resolved counts on the client IP (limiting runs before the lookup)');
  const viaKey = await me(app, key);
  t.equal(viaKey.statusCode, 200);
  t.equal(viaKey.headers['ratelimit-limit'], '10', 'a key of the tenant gets its override');
  t.equal(viaKey.headers['ratelimit-remaining'], '9', 'and its own bucket');
});

t.test('without Redis each instance counts in memory', async (t) => {
  const { app } = await testApp(t, { RATE_LIMIT_PER_MINUTE: '2' });
  t.equal((await toml(app)).statusCode, 200);
  t.equal((await toml(app)).statusCode, 200);
  const limited = await toml(app);
  t.equal(limited.statusCode, 429);
  t.equal(limited.json().code, 'RATE_LIMIT.EXCEEDED');
});

t.test('a bad RATE_LIMIT_TENANT_OVERRIDES is a configuration error', async (t) => {
  await t.rejects(testApp(t, { RATE_LIMIT_TENANT_OVERRIDES: '{"G": "many"}' }), /RATE_LIMIT_TENANT_OVERRIDES/);
});
