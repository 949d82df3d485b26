import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { randomAccount, randomMuxedAccount, testApp } from '../support/app.ts';
import { connectLive, deltasOf } from '../support/live-client.ts';
import { subEvent } from '../support/subscription-events.ts';
import { REDIS_URL, redisPrefix, redisSkip } from '../support/redis.ts';


async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return `ws://127.0.0.1:${address.port}`;
}

async function billed(app: FastifyInstance, creator: string, amount: string) {
  const subscriber = randomAccount();
  const event = subEvent('SubscriptionBilled', subscriber, creator, { amount, billedAt: new Date().toISOString(), merchantReferenceId: null, receiptHash: null });
  await app.services.eventStore.append(subscriptionStreamId(subscriber, creator), [event]);
  return event.id;
}

t.test('a delta arrives after a fact is appended; other tenants see nothing of it', async (t) => {
  const { app, token } = await testApp(t);
  const base = await listen(app);
  const creator = randomAccount();
  const other = randomAccount();
  const mine = await connectLive(base, await token(creator, creator));
  const theirs = await connectLive(base, await token(other, other), { via: 'header' });
  t.teardown(() => (mine.close(), theirs.close()));
  t.equal(mine.protocol, 'bearer', 'the chosen subprotocol is echoed');
  await mine.next((m) => m.type === 'ready');
  await theirs.next((m) => m.type === 'ready');

  const started = Date.now();
  await billed(app, creator, '1000');
  const message = await mine.next((m) => m.type === 'deltas');
  t.ok(Date.now() - started < 1_000, 'within a second');
  const [delta] = deltasOf([message]);
  t.equal(delta?.type, 'SubscriptionBilled');
  t.match(delta?.data, { creator, amount: '1000' });
  t.match(delta?.position, /^\d+-\d+$/, 'an opaque position token');

  await billed(app, other, '7');
  await theirs.next((m) => m.type === 'deltas');
  t.same(deltasOf(theirs.messages).map((d) => (d.data as { creator: string }).creator), [other], "only the other tenant's own fact");
  t.equal(deltasOf(mine.messages).length, 1, "the other tenant's fact never reached this one");
});

t.test('reconnecting with ?since replays what was missed, then goes live, without gap or duplicate', async (t) => {
  const { app, token } = await testApp(t);
  const base = await listen(app);
  const creator = randomAccount();
  const jwt = await token(creator, creator);
  const first = await connectLive(base, jwt);
  await first.next((m) => m.type === 'ready');
  const sent: string[] = [];
  for (let i = 0; i < 3; i += 1) sent.push(await billed(app, creator, String(i)));
  await first.next(() => deltasOf(first.messages).length === 3);
  const since = deltasOf(first.messages)[0]!.position;
  first.close();
  await first.closed;

  for (let i = 3; i < 6; i += 1) sent.push(await billed(app, creator, String(i)));
  const appending = (async () => {
    for (let i = 6; i < 30; i += 1) sent.push(await billed(app, creator, String(i)));
  })();
  const second = await connectLive(base, jwt, { since });
  t.teardown(() => second.close());
  await appending;
  await second.next(() => deltasOf(second.messages).length >= 29, 5_000);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const amounts = deltasOf(second.messages).map((d) => (d.data as { amount: string }).amount);
  t.same(amounts, Array.from({ length: 29 }, (_, i) => String(i + 1)), 'everything after the cursor, once, in order');
  t.ok(second.messages.some((m) => m.type === 'ready' && m.replayed >= 5), 'a ready message marks the end of the replay');
});

t.test('a bad or missing token closes with 4401; a malformed since with 4400', async (t) => {
  const { app, token } = await testApp(t);
  const base = await listen(app);
  const bad = await connectLive(base, 'not-a-token');
  t.same(await bad.closed, { code: 4401, reason: 'AUTH.INVALID_TOKEN' });
  const none = await connectLive(base, null);
  t.equal((await none.closed).code, 4401);
  const noTenant = await connectLive(base, await token(randomMuxedAccount()));
  t.same(await noTenant.closed, { code: 4403, reason: 'AUTH.TENANT_REQUIRED' });
  const creator = randomAccount();
  const malformed = await connectLive(base, await token(creator, creator), { since: 'yesterday' });
  t.equal((await malformed.closed).code, 4400);

  const status = await new Promise<number>((resolve, reject) => {
    const port = new URL(base).port;
    const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/analytics/live', headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') } });
    req.on('upgrade', (response, socket) => (socket.destroy(), resolve(response.statusCode ?? 0)));
    req.on('response', (response) => resolve(response.statusCode ?? 0));
    req.on('error', reject);
    req.end();
  });
  t.equal(status, 101, 'the upgrade itself succeeds, so browsers can read the close code');
});

t.test('two instances sharing Redis each serve their own clients, each fact once', { skip: redisSkip }, async (t) => {
  const prefix = redisPrefix(t);
  const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
  const one = await testApp(t, env);
  const two = await testApp(t, env, { database: one.database });
  const creator = randomAccount();
  const jwt = await one.token(creator, creator);
  const clients = await Promise.all([listen(one.app), listen(two.app)].map(async (base) => connectLive(await base, jwt)));
  t.teardown(() => clients.forEach((c) => c.close()));
  for (const client of clients) await client.next((m) => m.type === 'ready');
  await billed(one.app, creator, '11');
  await billed(two.app, creator, '22');
  for (const [i, client] of clients.entries()) {
    await client.next(() => deltasOf(client.messages).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    t.same(deltasOf(client.messages).map((d) => (d.data as { amount: string }).amount), ['11', '22'], `instance ${i + 1}: both facts, once each`);
  }
});

t.test('view events become per-content view counts, sent each second', async (t) => {
  const { app, token } = await testApp(t);
  const base = await listen(app);
  const creator = randomAccount();
  const live = await connectLive(base, await token(creator, creator));
  t.teardown(() => live.close());
  await live.next((m) => m.type === 'ready');
  const views = (contentId: string, n: number) => ({
    id: randomUUID(),
    type: 'ViewEventsRecorded',
    data: { tenantId: creator, contentId, receivedAt: new Date().toISOString(), views: Array.from({ length: n }, () => ({ viewer: null, positionSeconds: 0, watchedSeconds: 5, at: new Date().toISOString() })) },
    metadata: { source: 'command' as const, tenantId: creator },
  });
  await app.services.eventStore.append(`views-${creator}-${randomUUID()}`, [views('intro', 3), views('finale', 1)]);
  const message = await live.next((m) => m.type === 'views', 3_000);
  t.same(message.type === 'views' && message.counts, { intro: 3, finale: 1 });
});
