import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { randomAccount, randomMuxedAccount, testApp } from '../support/app.ts';
import { REDIS_URL, redisSkip } from '../support/redis.ts';


async function createKey(app: FastifyInstance, authorization: string, body: { name: string; scopes: string[] }) {
  return app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization }, payload: body });
}

t.test('lifecycle: create (shown once), list, use, revoke', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = randomAccount();
  const owner = `Bearer ${await token(creator, creator)}`;

  const created = await createKey(app, owner, { name: 'billing sync', scopes: ['subscriptions:read', 'analytics:read'] });
  t.equal(created.statusCode, 201, created.body);
  const { id, key, prefix } = created.json();
  t.match(key, /^sk_test_[1-9A-HJ-NP-Za-km-z]{40,44}$/, '256 random bits in base58, test network');
  t.ok(key.startsWith(prefix));

  const row = await database.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.equal(row.key_hash, createHmac('sha256', 'test-api-key-pepper-at-least-32-characters').update(key).digest('hex'), 'stored as HMAC-SHA-256');
  t.notOk(JSON.stringify(row).includes(key.slice(8)), 'the key itself is stored nowhere');
  t.equal(row.tenant_id, creator);

  const listed = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: owner } });
  t.equal(listed.statusCode, 200);
  t.same(listed.json().items.map((k: Record<string, unknown>) => [k.id, k.prefix, k.name, k.scopes, k.lastUsedAt]), [
    [id, prefix, 'billing sync', ['subscriptions:read', 'analytics:read'], null],
  ]);
  t.notOk('key' in listed.json().items[0], 'a listing never shows the key');

  const viaBearer = await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization: `Bearer ${key}` } });
  t.equal(viaBearer.statusCode, 200, viaBearer.body);
  const viaHeader = await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { 'x-api-key': key } });
  t.equal(viaHeader.statusCode, 200);
  const used = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: owner } });
  t.type(used.json().items[0].lastUsedAt, 'string', 'last use is recorded');

  const missing = await createKey(app, `Bearer ${key}`, { name: 'x', scopes: ['subscriptions:read'] });
  t.equal(missing.statusCode, 403);
  t.equal(missing.json().code, 'AUTH.SCOPE_MISSING');
  t.equal(missing.json().details.scope, 'admin:all', 'the error names the missing scope');

  const subscribers = await app.inject({ method: 'GET', url: '/v1/creators/me/subscribers', headers: { 'x-api-key': key } });
  t.equal(subscribers.statusCode, 200, 'the key reads its tenant\'s subscribers');
  const write = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { 'x-api-key': key }, payload: { creator: creator, tier: 'gold' } });
  t.equal(write.statusCode, 403);
  t.same([write.json().code, write.json().details.scope], ['AUTH.SCOPE_MISSING', 'subscriptions:write']);

  const revoked = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: { authorization: owner } });
  t.equal(revoked.statusCode, 204);
  const after = await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization: `Bearer ${key}` } });
  t.equal(after.statusCode, 401);
  t.equal(after.json().code, 'AUTH.INVALID_API_KEY');
  const again = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: { authorization: owner } });
  t.equal(again.statusCode, 404);
  t.equal(again.json().code, 'API_KEY.NOT_FOUND');
  t.same((await app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: owner } })).json().items, []);
});

t.test('a key acts for its tenant only', async (t) => {
  const { app, token } = await testApp(t);
  const [a, b] = [randomAccount(), randomAccount()];
  const ownerA = `Bearer ${await token(a, a)}`;
  const ownerB = `Bearer ${await token(b, b)}`;
  const adminA = (await createKey(app, ownerA, { name: 'admin', scopes: ['admin:all'] })).json();
  const keyB = (await createKey(app, ownerB, { name: 'b', scopes: ['subscriptions:read'] })).json();

  const listed = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: `Bearer ${adminA.key}` } });
  t.same(listed.json().items.map((k: { id: string }) => k.id), [adminA.id], 'only its own tenant\'s keys');
  const child = await createKey(app, `Bearer ${adminA.key}`, { name: 'child', scopes: ['subscriptions:write'] });
  t.equal(child.statusCode, 201, 'admin:all may create keys for its tenant');
  const crossRevoke = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${keyB.id}`, headers: { authorization: `Bearer ${adminA.key}` } });
  t.equal(crossRevoke.statusCode, 404, 'another tenant\'s key is invisible');
  const me = await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization: `Bearer ${keyB.key}` } });
  t.equal(me.statusCode, 200, 'the other key still works');

  const sharedAccount = await createKey(app, `Bearer ${await token(randomMuxedAccount())}`, { name: 'x', scopes: ['streams:read'] });
  t.equal(sharedAccount.statusCode, 403, 'a shared-account user acts for no creator');
  t.equal(sharedAccount.json().code, 'AUTH.TENANT_REQUIRED');
});

t.test('bad requests and unknown keys', async (t) => {
  const { app, token } = await testApp(t, { STELLAR_NETWORK: 'mainnet' });
  const creator = randomAccount();
  const owner = `Bearer ${await token(creator, creator)}`;
  for (const body of [{ name: 'x', scopes: ['nope'] }, { name: '', scopes: ['streams:read'] }, { name: 'x', scopes: [] }, { name: 'x', scopes: ['streams:read', 'streams:read'] }]) {
    const response = await createKey(app, owner, body);
    t.equal(response.statusCode, 400, JSON.stringify(body));
    t.equal(response.json().code, 'VALIDATION.FAILED');
  }
  const live = await createKey(app, owner, { name: 'prod', scopes: ['streams:read'] });
  t.match(live.json().key, /^sk_live_/, 'mainnet keys are sk_live_');
  const forged = await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { 'x-api-key': `sk_live_${'1'.repeat(44)}` } });
  t.equal(forged.statusCode, 401);
  t.equal(forged.json().code, 'AUTH.INVALID_API_KEY');
  const badId = await app.inject({ method: 'DELETE', url: '/v1/api-keys/not-a-uuid', headers: { authorization: owner } });
  t.equal(badId.statusCode, 400);
});

for (const withRedis of [true, false]) {
  t.test(`revocation is seen at once by a second instance (${withRedis ? 'Redis pub/sub' : 'no Redis'})`, { skip: withRedis && redisSkip }, async (t) => {
    const env: Record<string, string> = withRedis ? { REDIS_URL, REDIS_KEY_PREFIX: `test:${randomBytes(6).toString('hex')}:` } : {};
    const one = await testApp(t, env);
    const two = await testApp(t, env, { database: one.database });
    const creator = randomAccount();
    const owner = `Bearer ${await one.token(creator, creator)}`;
    const { id, key } = (await createKey(one.app, owner, { name: 'k', scopes: ['subscriptions:read'] })).json();
    const use = (app: FastifyInstance) => app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization: `Bearer ${key}` } });

    t.equal((await use(two.app)).statusCode, 200, 'the second instance accepts (and may cache) the key');
    t.equal((await use(one.app)).statusCode, 200);
    t.equal((await one.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: { authorization: owner } })).statusCode, 204);
    for (const [name, app] of [['first', one.app], ['second', two.app]] as const) {
      const response = await use(app);
      t.equal(response.statusCode, 401, `the ${name} instance refuses the revoked key`);
    }
  });
}

t.test('with Redis, active keys are cached; only revocation through the API drops them', { skip: redisSkip }, async (t) => {
  const env = { REDIS_URL, REDIS_KEY_PREFIX: `test:${randomBytes(6).toString('hex')}:` };
  const { app, token, database } = await testApp(t, env);
  const creator = randomAccount();
  const { key } = (await createKey(app, `Bearer ${await token(creator, creator)}`, { name: 'k', scopes: ['subscriptions:read'] })).json();
  const use = () => app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { 'x-api-key': key } });
  t.equal((await use()).statusCode, 200);
  await database.db.updateTable('api_keys').set({ revoked_at: new Date() }).execute();
  t.equal((await use()).statusCode, 200, 'served from the in-process cache (no PostgreSQL round trip)');
});
