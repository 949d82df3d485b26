import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { randomAccount, randomMuxedAccount, testApp } from '../support/app.ts';
import { REDIS_URL, redisPrefix, redisSkip } from '../support/redis.ts';


const put = (app: FastifyInstance, authorization: string, url: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'PUT', url: `/v1/admin/config/flags/${url}`, headers: { authorization }, payload });
const get = (app: FastifyInstance, authorization: string, url = '/v1/config/flags') => app.inject({ method: 'GET', url, headers: { authorization } });

t.test('flags: set, bulk, read, audit trail as events, scopes', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = randomAccount();
  const owner = `Bearer ${await token(creator, creator)}`;

  t.same((await get(app, owner)).json(), { flags: {}, revision: -1 }, 'no flag set yet');
  const first = await put(app, owner, 'new-checkout', { enabled: true, value: { variant: 'b' } });
  t.equal(first.statusCode, 200, first.body);
  t.equal(first.json().changed, 1);
  const same = await put(app, owner, 'new-checkout', { enabled: true, value: { variant: 'b' } });
  t.equal(same.json().changed, 0, 'setting the same value records nothing');
  const bulk = await put(app, owner, 'bulk', { flags: [{ name: 'new-checkout', enabled: false }, { name: 'beta.reports', enabled: true, value: 3 }] });
  t.equal(bulk.statusCode, 200, bulk.body);
  t.equal(bulk.json().changed, 2);

  const read = await get(app, owner);
  t.same(read.json().flags, { 'new-checkout': { enabled: false, value: null }, 'beta.reports': { enabled: true, value: 3 } });

  const audit = await get(app, owner, '/v1/admin/config/flags/audit');
  t.same(audit.json().items.map((e: Record<string, unknown>) => [e.flag, e.actor, e.from, e.to]), [
    ['new-checkout', creator, null, { enabled: true, value: { variant: 'b' } }],
    ['new-checkout', creator, { enabled: true, value: { variant: 'b' } }, { enabled: false, value: null }],
    ['beta.reports', creator, null, { enabled: true, value: 3 }],
  ], 'who, old → new');
  const events = await database.db.selectFrom('events').select(['type', 'stream_id']).where('stream_id', '=', `tenant-flags-${creator}`).execute();
  t.equal(events.length, 3, 'every change is an event in the tenant\'s stream');

  const other = randomAccount();
  t.same((await get(app, `Bearer ${await token(other, other)}`)).json().flags, {}, 'another tenant sees its own flags only');

  const reader = (await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: owner }, payload: { name: 'r', scopes: ['analytics:read'] } })).json().key;
  t.equal((await get(app, `Bearer ${reader}`)).statusCode, 200, 'any key of the tenant reads its flags');
  const denied = await put(app, `Bearer ${reader}`, 'x', { enabled: true });
  t.equal(denied.statusCode, 403);
  t.equal(denied.json().details.scope, 'flags:admin');
  const flagAdmin = (await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: owner }, payload: { name: 'f', scopes: ['flags:admin'] } })).json();
  const byKey = await put(app, `Bearer ${flagAdmin.key}`, 'x', { enabled: true });
  t.equal(byKey.statusCode, 200);
  const last = (await get(app, owner, '/v1/admin/config/flags/audit')).json().items.at(-1);
  t.equal(last.actor, `api-key:${flagAdmin.id}`, 'the audit names the key that acted');

  const bad = await put(app, owner, 'Bad Name', { enabled: true });
  t.equal(bad.statusCode, 400);
  t.equal((await get(app, `Bearer ${await token(randomMuxedAccount())}`)).json().code, 'AUTH.TENANT_REQUIRED', 'a shared-account user acts for no creator');
});

t.test('a change is seen at once by another instance (Redis pub/sub invalidation)', { skip: redisSkip }, async (t) => {
  const env = { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t) };
  const one = await testApp(t, env);
  const two = await testApp(t, env, { database: one.database });
  const creator = randomAccount();
  const owner = `Bearer ${await one.token(creator, creator)}`;
  t.same((await get(two.app, owner)).json().flags, {}, 'cached empty on the second instance');
  await put(one.app, owner, 'live-feed', { enabled: true });
  t.same((await get(two.app, owner)).json().flags, { 'live-feed': { enabled: true, value: null } });
  t.equal(await two.app.flags.isEnabled(creator, 'live-feed'), true);

  const started = performance.now();
  for (let i = 0; i < 10_000; i += 1) await two.app.flags.isEnabled(creator, 'live-feed');
  const perEvaluation = (performance.now() - started) / 10_000;
  t.ok(perEvaluation < 1, `an evaluation takes ${(perEvaluation * 1000).toFixed(1)} µs`);
});
