import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { listen } from '../support/listening-app.ts';
import { connectLive, deltasOf } from '../support/live-client.ts';
import { subEvent } from '../support/subscription-events.ts';
import { REDIS_URL, redisPrefix, redisSkip } from '../support/redis.ts';

/** The live feed's authority and limits: expiry, revocation, connections per tenant, replay depth. */

const wsBase = async (app: FastifyInstance) => (await listen(app)).replace(/^http/, 'ws');

async function billed(app: FastifyInstance, creator: string, amount: string) {
  const subscriber = randomAccount();
  const event = subEvent('SubscriptionBilled', subscriber, creator, { amount, billedAt: new Date().toISOString(), merchantReferenceId: null, receiptHash: null });
  await app.services.eventStore.append(subscriptionStreamId(subscriber, creator), [event]);
}

async function apiKey(app: FastifyInstance, jwt: string): Promise<{ id: string; key: string }> {
  const response = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: `Bearer ${jwt}` }, payload: { name: 'live', scopes: ['analytics:read'] } });
  if (response.statusCode !== 201) throw new Error(response.body);
  return response.json();
}

const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);

t.test('a JWT that expires while connected closes the feed with 4401 AUTH.TOKEN_EXPIRED at its exp', async (t) => {
  const { app, token } = await testApp(t);
  const base = await wsBase(app);
  const creator = randomAccount();
  const live = await connectLive(base, await token(creator, creator, 2));
  t.teardown(() => live.close());
  await live.next((m) => m.type === 'ready');
  const opened = Date.now();
  const closed = await within(live.closed, 4_000, 'close at exp');
  t.same(closed, { code: 4401, reason: 'AUTH.TOKEN_EXPIRED' });
  t.ok(Date.now() - opened < 3_500, `closed within about a second of exp (${Date.now() - opened} ms after ready)`);
});

t.test('revoking an API key on the same instance closes its feeds at once; other keys keep theirs', async (t) => {
  const { app, token } = await testApp(t, { LIVE_AUTH_RECHECK_MS: '60000' });
  const base = await wsBase(app);
  const creator = randomAccount();
  const jwt = await token(creator, creator);
  const [revoked, kept] = [await apiKey(app, jwt), await apiKey(app, jwt)];
  const doomed = await connectLive(base, revoked.key, { via: 'header' });
  const survivor = await connectLive(base, kept.key, { via: 'header' });
  t.teardown(() => (doomed.close(), survivor.close()));
  await doomed.next((m) => m.type === 'ready');
  await survivor.next((m) => m.type === 'ready');

  const revoke = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${revoked.id}`, headers: { authorization: `Bearer ${jwt}` } });
  t.equal(revoke.statusCode, 204);
  t.same(await within(doomed.closed, 1_000, 'close on revocation'), { code: 4401, reason: 'AUTH.API_KEY_REVOKED' });
  await billed(app, creator, '5');
  await survivor.next((m) => m.type === 'deltas');
  t.equal(deltasOf(survivor.messages).length, 1, 'the other key still receives deltas');
});

t.test('revoking an API key on another instance (no shared Redis) closes the feed within the recheck period', async (t) => {
  const one = await testApp(t, { LIVE_AUTH_RECHECK_MS: '500' });
  const two = await testApp(t, {}, { database: one.database });
  const base = await wsBase(one.app);
  const creator = randomAccount();
  const jwt = await one.token(creator, creator);
  const key = await apiKey(one.app, jwt);
  const live = await connectLive(base, key.key, { via: 'header' });
  t.teardown(() => live.close());
  await live.next((m) => m.type === 'ready');
  const revoke = await two.app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}`, headers: { authorization: `Bearer ${jwt}` } });
  t.equal(revoke.statusCode, 204);
  t.same(await within(live.closed, 2_500, 'close after the recheck'), { code: 4401, reason: 'AUTH.API_KEY_REVOKED' });
});

t.test('with Redis, a revocation on another instance closes the feed at once (announced, not polled)', { skip: redisSkip }, async (t) => {
  const env = { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t), LIVE_AUTH_RECHECK_MS: '60000' };
  const one = await testApp(t, env);
  const two = await testApp(t, env, { database: one.database });
  const base = await wsBase(one.app);
  const creator = randomAccount();
  const jwt = await one.token(creator, creator);
  const key = await apiKey(one.app, jwt);
  const live = await connectLive(base, key.key, { via: 'header' });
  t.teardown(() => live.close());
  await live.next((m) => m.type === 'ready');
  const revoke = await two.app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}`, headers: { authorization: `Bearer ${jwt}` } });
  t.equal(revoke.statusCode, 204);
  t.same(await within(live.closed, 1_000, 'close on the announcement'), { code: 4401, reason: 'AUTH.API_KEY_REVOKED' });
});

t.test('connections per tenant are capped (4409 LIVE.TOO_MANY_CONNECTIONS); a freed slot is reusable; other tenants unaffected', async (t) => {
  const { app, token } = await testApp(t, { LIVE_MAX_CONNECTIONS_PER_TENANT: '2' });
  const base = await wsBase(app);
  const creator = randomAccount();
  const jwt = await token(creator, creator);
  const first = await connectLive(base, jwt);
  const second = await connectLive(base, jwt);
  t.teardown(() => (first.close(), second.close()));
  await first.next((m) => m.type === 'ready');
  await second.next((m) => m.type === 'ready');
  const third = await connectLive(base, jwt);
  t.same(await within(third.closed, 2_000, 'refusal'), { code: 4409, reason: 'LIVE.TOO_MANY_CONNECTIONS' });

  const other = randomAccount();
  const theirs = await connectLive(base, await token(other, other));
  t.teardown(() => theirs.close());
  await theirs.next((m) => m.type === 'ready');
  t.pass('another tenant connects while this one is at its cap');

  first.close();
  await first.closed;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const again = await connectLive(base, jwt);
  t.teardown(() => again.close());
  await again.next((m) => m.type === 'ready');
  t.pass('a closed connection frees its slot');
});

t.test('?since deeper than LIVE_MAX_REPLAY events of the log closes with 4410 LIVE.REPLAY_TOO_DEEP; within it replays', async (t) => {
  const { app, token } = await testApp(t, { LIVE_MAX_REPLAY: '5' });
  const base = await wsBase(app);
  const creator = randomAccount();
  const jwt = await token(creator, creator);
  const watcher = await connectLive(base, jwt);
  t.teardown(() => watcher.close());
  await watcher.next((m) => m.type === 'ready');
  for (let i = 0; i < 8; i += 1) await billed(app, creator, String(i));
  await watcher.next(() => deltasOf(watcher.messages).length === 8);
  const positions = deltasOf(watcher.messages).map((d) => d.position);

  const fromStart = await connectLive(base, jwt, { since: '0-0' });
  const refused = await within(fromStart.closed, 2_000, 'refusal from the start of the log');
  t.equal(refused.code, 4410);
  t.match(refused.reason, /^LIVE\.REPLAY_TOO_DEEP/, 'the reason names the code');
  t.ok(Buffer.byteLength(refused.reason) <= 123, 'a close reason fits a control frame');
  t.equal(fromStart.messages.length, 0, 'nothing was replayed before the refusal');

  const tooOld = await connectLive(base, jwt, { since: positions[1]! });
  t.equal((await within(tooOld.closed, 2_000, 'refusal')).code, 4410, 'six events after the cursor: refused');

  const recent = await connectLive(base, jwt, { since: positions[2]! });
  t.teardown(() => recent.close());
  const ready = await recent.next((m) => m.type === 'ready');
  t.match(ready, { type: 'ready', replayed: 5 }, 'five events after the cursor: replayed');
});

t.test('with Redis, the per-tenant cap holds across instances; a freed slot on one is reusable on the other', { skip: redisSkip }, async (t) => {
  const env = { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t), LIVE_MAX_CONNECTIONS_PER_TENANT: '2' };
  const one = await testApp(t, env);
  const two = await testApp(t, env, { database: one.database });
  const [baseOne, baseTwo] = [await wsBase(one.app), await wsBase(two.app)];
  const creator = randomAccount();
  const jwt = await one.token(creator, creator);
  const first = await connectLive(baseOne, jwt);
  const second = await connectLive(baseTwo, jwt);
  t.teardown(() => (first.close(), second.close()));
  await first.next((m) => m.type === 'ready');
  await second.next((m) => m.type === 'ready');
  for (const base of [baseOne, baseTwo]) {
    const third = await connectLive(base, jwt);
    t.same(await within(third.closed, 2_000, 'refusal'), { code: 4409, reason: 'LIVE.TOO_MANY_CONNECTIONS' }, 'two held across the instances: a third on either is refused');
  }
  second.close();
  await second.closed;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const again = await connectLive(baseOne, jwt);
  t.teardown(() => again.close());
  await again.next((m) => m.type === 'ready');
  t.pass('the slot freed on instance two is taken on instance one');
});
