import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createPostgresEventStore } from '../../../eventstore/postgres/store.ts';
import { retryDelayMs } from '../../../integration/webhooks/backoff.ts';
import { claimDueDeliveries } from '../../../integration/webhooks/deliveries.ts';
import { deliverDue } from '../../../integration/webhooks/worker.ts';
import { verifyWebhook, WebhookSignatureError } from '../../../sdk/src/webhooks.ts';
import { createDb } from '../../../platform/database.ts';
import { testApp } from '../../support/app.ts';
import { loginRoleUrl } from '../../support/login-roles.ts';
import { appendMixedLog } from '../../support/relay-events.ts';
import { address, subEvent } from '../../support/subscription-events.ts';
import { deliverUntil, dispatchAll, registerEndpoint, testWorkerOptions } from '../../support/webhook-flow.ts';
import { webhookReceiver, type ReceivedWebhook } from '../../support/webhook-receiver.ts';

const firstCopies = (received: ReceivedWebhook[]) => [...new Map(received.map((r) => [r.eventId, r])).values()];
const revisionsByStream = (received: ReceivedWebhook[]) => {
  const byStream = new Map<string, number[]>();
  for (const r of firstCopies(received)) {
    const event = JSON.parse(r.body) as { streamId: string; revision: number };
    byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event.revision]);
  }
  return byStream;
};

t.test('every event of the tenant is delivered once, signed (verified with the SDK helper), in the public shape, in order per stream', async (t) => {
  const { app, token, database } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const store = createPostgresEventStore(database.db);
  // The dispatcher and workers as deployed: logged in as a member of substream_projector only.
  const db = createDb({ url: await loginRoleUrl('substream_projector', database.url), max: 4 });
  t.teardown(() => db.destroy());
  const creator = address('hooks-creator');
  const owner = `Bearer ${await token(creator, creator)}`;
  const receiver = await webhookReceiver(t);
  const { id, secret } = await registerEndpoint(app, owner, receiver.url);
  const { ids, streamIds } = await appendMixedLog(store, 6, 'hooks');
  const contentId = randomUUID();
  const published = { id: randomUUID(), type: 'ContentPublished', data: { contentId, creator, title: 'Episode 1', minTier: 'gold', url: 'https://cdn.example/secret.mp4', publishedAt: '2026-11-01T00:00:00Z' }, metadata: { source: 'command' as const, tenantId: creator } };
  await store.append(`content-${contentId}`, [published]);
  const other = address('hooks-other');
  await store.append(`subscription-x-${other}`, [subEvent('SubscriptionRequested', address('x'), other, { tier: 'gold', token: address('token', 'C'), ratePerSecond: '1', requestedAt: '2026-11-01T00:00:00Z', expiresAt: '2026-11-02T00:00:00Z' })]);

  // A deadline a loaded machine cannot miss: an attempt timed out after the receiver got it is sent again (at least once).
  await deliverUntil(db, testWorkerOptions({ timeoutMs: 5_000 }), () => new Set(receiver.received.map((r) => r.eventId)).size >= ids.length + 1);
  t.equal(receiver.received.length, ids.length + 1, 'no event twice');
  t.same(new Set(receiver.received.map((r) => r.eventId)), new Set([...ids, published.id]), 'exactly the tenant’s published events (no private type, no other tenant’s)');

  for (const webhook of receiver.received) {
    const event = await verifyWebhook(webhook.body, webhook.headers['substream-signature'] as string, secret);
    t.equal(event.id, webhook.eventId, 'the signed body is the event named in SubStream-Event-Id');
    t.equal(event.tenantId, creator);
  }
  const first = receiver.received[0]!;
  t.match(first.headers['substream-signature'], /^t=\d{10},v1=[0-9a-f]{64}$/, 'Stripe’s format: t=<unix>,v1=<hex>');
  t.equal(first.headers['content-type'], 'application/json');
  const event = JSON.parse(first.body);
  t.same(Object.keys(event).sort(), ['causationId', 'chain', 'correlationId', 'data', 'globalPosition', 'id', 'recordedAt', 'revision', 'source', 'streamId', 'tenantId', 'type'], 'the integration event shape used on Kafka');
  t.equal(typeof event.globalPosition, 'string');
  const content = JSON.parse(receiver.received.find((r) => r.eventId === published.id)!.body);
  t.same(content.data, { contentId, creator, title: 'Episode 1', minTier: 'gold', publishedAt: '2026-11-01T00:00:00Z' }, 'the gated url is withheld');
  t.notOk(receiver.received.some((r) => r.body.includes('secret.mp4')), 'nowhere in any body');
  const billed = receiver.received.map((r) => JSON.parse(r.body)).find((e) => e.type === 'SubscriptionBilled');
  t.equal(billed.data.amount, '170141183460469231731687303715884105727', 'amounts stay decimal strings');
  for (const streamId of streamIds) t.same(revisionsByStream(receiver.received).get(streamId), [0, 1, 2, 3], `${streamId.slice(0, 30)}…: in revision order`);

  await t.rejects(verifyWebhook(first.body.replace('"revision":', '"revision": '), first.headers['substream-signature'] as string, secret), WebhookSignatureError, 'a changed body fails');
  const reason = (promise: Promise<unknown>) => promise.then(() => 'verified', (error: WebhookSignatureError) => error.reason);
  t.equal(await reason(verifyWebhook(first.body, first.headers['substream-signature'] as string, 'whsec_wrong')), 'signature', 'another secret fails');
  t.equal(await reason(verifyWebhook(first.body, first.headers['substream-signature'] as string, secret, { nowSeconds: Math.floor(Date.now() / 1000) + 301 })), 'timestamp', 'outside the 300 s tolerance');
  t.equal(await reason(verifyWebhook(first.body, undefined, secret)), 'header', 'no header');

  const deliveries = await app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${id}/deliveries?limit=200`, headers: { authorization: owner } });
  t.equal(deliveries.statusCode, 200, deliveries.body);
  t.equal(deliveries.json().items.length, ids.length + 1);
  t.ok(deliveries.json().items.every((d: { status: string; attempts: number; lastStatusCode: number }) => d.status === 'succeeded' && d.attempts === 1 && d.lastStatusCode === 200), 'each succeeded at the first attempt');

  const rotated = (await app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${id}/rotate-secret`, headers: { authorization: owner } })).json();
  const again = await app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${id}/deliveries/${deliveries.json().items[0].id}/retry`, headers: { authorization: owner } });
  t.equal(again.statusCode, 202, again.body);
  const before = receiver.received.length;
  await deliverUntil(db, testWorkerOptions(), () => receiver.received.length > before);
  const resent = receiver.received.at(-1)!;
  t.equal(resent.eventId, deliveries.json().items[0].eventId, 'a retried delivery is sent again, same event id (the dedupe key)');
  t.match(resent.headers['substream-signature'], /^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/, 'during the grace period both secrets sign');
  t.equal((await verifyWebhook(resent.body, resent.headers['substream-signature'] as string, rotated.secret)).id, resent.eventId, 'the new secret verifies');
  t.equal((await verifyWebhook(resent.body, resent.headers['substream-signature'] as string, secret)).id, resent.eventId, 'the old one too, for 24 h');
});

t.test('retries after 500s and timeouts with backoff; a failing head holds back its stream only; the answer is kept as a 1 KiB prefix', async (t) => {
  const { app, token, database: { db } } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const creator = address('retry-creator');
  const owner = `Bearer ${await token(creator, creator)}`;
  let failingId = '';
  let hangingId = '';
  const receiver = await webhookReceiver(t, (request, seen) => {
    if (request.eventId === failingId && seen < 2) return { status: 500, body: 'x'.repeat(5000) };
    if (request.eventId === hangingId && seen < 1) return 'hang';
    return { status: 204 };
  });
  const { id } = await registerEndpoint(app, owner, receiver.url);
  const { ids, streamIds } = await appendMixedLog(createPostgresEventStore(db), 3, 'retry');
  failingId = ids[0]!; // revision 0 of the first stream
  hangingId = ids[4]!; // revision 1 of the second stream
  const baseMs = 40;
  const options = testWorkerOptions({ timeoutMs: 300, delayMs: (n) => retryDelayMs(n, { baseMs, maxMs: 1000 }) });

  await deliverUntil(db, options, async () => {
    const settled = await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow();
    return Number(settled.n) === ids.length;
  });
  const attemptsOf = (eventId: string) => receiver.received.filter((r) => r.eventId === eventId).length;
  t.equal(attemptsOf(failingId), 3, 'two 500s, then delivered');
  t.equal(attemptsOf(hangingId), 2, 'a timed-out attempt is retried');
  t.equal(receiver.received.length, ids.length + 3, 'nothing else sent twice');
  const firstStream = receiver.received.filter((r) => JSON.parse(r.body).streamId === streamIds[0]);
  t.same(firstStream.map((r) => JSON.parse(r.body).revision), [0, 0, 0, 1, 2, 3], 'the stream’s later events wait for its failing head');
  const otherStreams = receiver.received.findIndex((r) => JSON.parse(r.body).streamId !== streamIds[0]);
  t.ok(otherStreams < receiver.received.findLastIndex((r) => r.eventId === failingId), 'other streams were not held back');
  for (const streamId of streamIds) t.same(revisionsByStream(receiver.received).get(streamId), [0, 1, 2, 3], 'order kept per stream');

  const failing = await db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', failingId).executeTakeFirstOrThrow();
  t.match(failing, { status: 'succeeded', attempts: 3, last_status_code: 204, last_error: null });
  const listed = (await app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${id}/deliveries?limit=200`, headers: { authorization: owner } })).json().items;
  const hanging = listed.find((d: { eventId: string }) => d.eventId === hangingId);
  t.match(hanging, { status: 'succeeded', attempts: 2, lastStatusCode: 204 });
  t.equal((await app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${id}`, headers: { authorization: owner } })).json().consecutiveFailures, 0, 'a success clears the endpoint’s failures');
});

t.test('a failed attempt schedules the next with backoff and jitter and keeps only a prefix of the answer', async (t) => {
  const { app, token, database: { db } } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const creator = address('backoff-creator');
  const receiver = await webhookReceiver(t, () => ({ status: 503, body: 'y'.repeat(100_000) }));
  await registerEndpoint(app, `Bearer ${await token(creator, creator)}`, receiver.url);
  await appendMixedLog(createPostgresEventStore(db), 1, 'backoff');
  const baseMs = 60_000;
  await deliverUntil(db, testWorkerOptions({ delayMs: (n) => retryDelayMs(n, { baseMs, maxMs: 3_600_000 }) }), () => receiver.received.length >= 1);
  const row = await db.selectFrom('webhook_deliveries').selectAll().where('attempts', '=', 1).executeTakeFirstOrThrow();
  const waitMs = row.next_attempt_at.getTime() - row.last_attempt_at!.getTime();
  t.ok(waitMs >= baseMs / 2 && waitMs <= baseMs, `the next attempt in [base/2, base] (${waitMs} ms)`);
  t.match(row, { status: 'pending', last_status_code: 503, last_error: 'answered 503' });
  t.equal(row.response_prefix!.length, 1024, 'only the first 1 KiB of a 100 kB answer is kept');
  t.equal(await deliverDue(db, testWorkerOptions()), 0, 'nothing is due before its time');
});

t.test('repeated failures mark the endpoint failing, then disable it; re-enabled, it resumes where it stopped', async (t) => {
  const { app, token, database: { db } } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const creator = address('disable-creator');
  const owner = `Bearer ${await token(creator, creator)}`;
  let healthy = false;
  const receiver = await webhookReceiver(t, () => ({ status: healthy ? 200 : 500 }));
  const { id } = await registerEndpoint(app, owner, receiver.url);
  const store = createPostgresEventStore(db);
  const { ids } = await appendMixedLog(store, 2, 'disable');
  const options = testWorkerOptions({ failingAfter: 2, disableAfter: 4 });
  const endpoint = async () => (await app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${id}`, headers: { authorization: owner } })).json();

  const statuses: string[] = [];
  await deliverUntil(db, { ...options, concurrency: 1 }, async () => {
    statuses.push((await endpoint()).status);
    return statuses.at(-1) === 'disabled';
  });
  t.ok(statuses.includes('failing'), 'failing before disabled');
  t.match(await endpoint(), { status: 'disabled', enabled: false, consecutiveFailures: 4 });
  t.equal(receiver.received.length, 4, 'four attempts, then none');
  t.equal(await deliverDue(db, options), 0, 'a disabled endpoint is not sent to');
  t.equal(receiver.received.length, 4);

  const enabled = await app.inject({ method: 'PATCH', url: `/v1/webhook-endpoints/${id}`, headers: { authorization: owner }, payload: { enabled: true } });
  t.match(enabled.json(), { status: 'active', enabled: true, consecutiveFailures: 0 });
  healthy = true;
  await deliverUntil(db, options, () => new Set(receiver.received.map((r) => r.eventId)).size === ids.length + 1);
  const types = new Map(receiver.received.map((r) => [r.eventId, JSON.parse(r.body).type as string]));
  t.same(new Set(ids.filter((eventId) => types.has(eventId))), new Set(ids), 'every event still arrives after re-enabling');
  t.same([...types.values()].filter((type) => type === 'WebhookEndpointDisabled'), ['WebhookEndpointDisabled'], 'and, subscribed to `*`, the news of its own disabling');
});

t.test('SSRF at send time: loopback by host name, mixed DNS answers, plain http and redirects are refused without the development setting', async (t) => {
  const { app, token, database: { db } } = await testApp(t);
  const creator = address('ssrf-creator');
  const owner = `Bearer ${await token(creator, creator)}`;
  const receiver = await webhookReceiver(t);
  const { id } = await registerEndpoint(app, owner, `https://localhost:${receiver.port}/hooks`);
  const { ids } = await appendMixedLog(createPostgresEventStore(db), 1, 'ssrf');
  const options = testWorkerOptions({ allowPrivate: false, disableAfter: 1_000_000 });
  await deliverUntil(db, options, async () => {
    const row = await db.selectFrom('webhook_deliveries').select('attempts').where('endpoint_id', '=', id).orderBy('seq').executeTakeFirst();
    return (row?.attempts ?? 0) >= 2;
  });
  t.equal(receiver.received.length, 0, 'nothing reached the receiver behind localhost');
  const refused = await db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', id).orderBy('seq').executeTakeFirstOrThrow();
  t.match(refused.last_error, /^forbidden-address: .*loopback/, refused.last_error ?? '');

  await db.updateTable('webhook_endpoints').set({ url: 'https://rebound.example/hooks' }).where('id', '=', id).execute();
  await db.updateTable('webhook_deliveries').set({ next_attempt_at: new Date(0) }).where('endpoint_id', '=', id).execute();
  const resolve = async () => [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }];
  t.equal(await deliverDue(db, { ...options, resolve }), 1);
  const rebound = await db.selectFrom('webhook_deliveries').select('last_error').where('endpoint_id', '=', id).orderBy('seq').executeTakeFirstOrThrow();
  t.match(rebound.last_error, /forbidden-address: the host resolves to a loopback address/, 'a name whose answers include a private address is refused');
  t.notMatch(rebound.last_error, /127\.0\.0\.1/, 'without telling the tenant what the name resolves to (no internal DNS disclosure)');

  await db.updateTable('webhook_endpoints').set({ url: receiver.url }).where('id', '=', id).execute();
  await db.updateTable('webhook_deliveries').set({ next_attempt_at: new Date(0) }).where('endpoint_id', '=', id).execute();
  t.equal(await deliverDue(db, options), 1);
  const plain = await db.selectFrom('webhook_deliveries').select('last_error').where('endpoint_id', '=', id).orderBy('seq').executeTakeFirstOrThrow();
  t.match(plain.last_error, /^scheme: http: is not allowed/, 'an http URL stored while the setting was on is refused once it is off');
  t.equal(receiver.received.length, 0);

  const target = await webhookReceiver(t);
  const bouncer = await webhookReceiver(t, () => ({ status: 307, body: '', headers: { location: target.url } }));
  await db.updateTable('webhook_endpoints').set({ url: bouncer.url }).where('id', '=', id).execute();
  await db.updateTable('webhook_deliveries').set({ next_attempt_at: new Date(0) }).where('endpoint_id', '=', id).execute();
  t.equal(await deliverDue(db, { ...options, allowPrivate: true }), 1);
  const bounced = await db.selectFrom('webhook_deliveries').select('last_error').where('endpoint_id', '=', id).orderBy('seq').executeTakeFirstOrThrow();
  t.match(bounced.last_error, /^redirect: answered 307/, 'a redirect is a failure, never followed');
  t.equal(target.received.length, 0, 'the redirect target never hears of it');
  t.equal(bouncer.received.length, 1);
  t.equal(ids.length, 4);
});

t.test('workers in parallel never send one delivery twice; a worker that dies after claiming leaves it to be sent again (at least once)', async (t) => {
  const { app, token, database: { db } } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const creator = address('lease-creator');
  const receiver = await webhookReceiver(t);
  await registerEndpoint(app, `Bearer ${await token(creator, creator)}`, receiver.url);
  const { ids, streamIds } = await appendMixedLog(createPostgresEventStore(db), 8, 'lease');
  await dispatchAll(db);

  const dead = await claimDueDeliveries(db, { limit: 3, leaseMs: 300 });
  t.equal(dead.length, 3, 'a worker claims three stream heads, then dies');
  const options = testWorkerOptions({ concurrency: 2 });
  await Promise.all([1, 2, 3].map(async () => {
    const until = Date.now() + 5_000;
    while (Date.now() < until && new Set(receiver.received.map((r) => r.eventId)).size < ids.length) {
      if ((await deliverDue(db, options)) === 0) await sleep(10);
    }
  }));
  t.same(new Set(receiver.received.map((r) => r.eventId)), new Set(ids), 'every event delivered, the dead worker’s claims after their lease');
  t.equal(receiver.received.length, ids.length, 'by three parallel workers, none twice');
  for (const streamId of streamIds) t.same(revisionsByStream(receiver.received).get(streamId), [0, 1, 2, 3], 'order kept per stream');
  const claimedFirst = receiver.received.findIndex((r) => dead.some((d) => d.event_id === r.eventId));
  t.ok(claimedFirst > 0, 'the abandoned claims waited for their lease while the other streams moved on');
});

t.test('whatever bytes a receiver answers (NUL, invalid UTF-8, binary), the attempt is recorded', async (t) => {
  const { app, token, database: { db } } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const creator = address('bytes-creator');
  const answers = ['ok\u0000after', '\udc00lone', 'é'.repeat(600), String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))];
  let next = 0;
  const receiver = await webhookReceiver(t, () => ({ status: 500, body: answers[next++ % answers.length]! }));
  await registerEndpoint(app, `Bearer ${await token(creator, creator)}`, receiver.url);
  await appendMixedLog(createPostgresEventStore(db), 1, 'bytes');
  await deliverUntil(db, testWorkerOptions(), async () => {
    const head = await db.selectFrom('webhook_deliveries').select('attempts').orderBy('seq').executeTakeFirst();
    return (head?.attempts ?? 0) >= answers.length;
  }, 10_000);
  const head = await db.selectFrom('webhook_deliveries').selectAll().orderBy('seq').executeTakeFirstOrThrow();
  t.equal(head.attempts, answers.length, 'every attempt recorded');
  t.equal(receiver.received.length, answers.length, 'and none repeated for want of recording it');
  t.notOk(head.response_prefix!.includes('\u0000'), 'the stored prefix holds no NUL');
});

t.test('an endpoint receives the events recorded after it was registered, not the tenant’s history', async (t) => {
  const { app, token, database: { db } } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const creator = address('history-creator');
  const store = createPostgresEventStore(db);
  const { ids: history } = await appendMixedLog(store, 2, 'history');
  const receiver = await webhookReceiver(t);
  await sleep(5);
  await registerEndpoint(app, `Bearer ${await token(creator, creator)}`, receiver.url);
  const later = subEvent('SubscriptionRequested', address('history-late'), creator, { tier: 'gold', token: address('token', 'C'), ratePerSecond: '1', requestedAt: '2026-11-01T00:00:00Z', expiresAt: '2026-11-02T00:00:00Z' });
  await store.append(`subscription-${address('history-late')}-${creator}`, [later]);
  await deliverUntil(db, testWorkerOptions(), () => receiver.received.length >= 1);
  await sleep(50);
  t.same(receiver.received.map((r) => r.eventId), [later.id], 'only the event after registration');
  t.equal(history.length, 8);
});
