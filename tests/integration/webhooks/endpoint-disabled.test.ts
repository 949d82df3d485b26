import t from 'tap';
import { createPostgresEventStore } from '../../../eventstore/postgres/store.ts';
import { deliverDue } from '../../../integration/webhooks/worker.ts';
import { createDb } from '../../../platform/database.ts';
import { testApp } from '../../support/app.ts';
import { loginRoleUrl } from '../../support/login-roles.ts';
import { appendMixedLog } from '../../support/relay-events.ts';
import { address } from '../../support/subscription-events.ts';
import { deliverUntil, dispatchAll, registerEndpoint, testWorkerOptions } from '../../support/webhook-flow.ts';
import { webhookReceiver } from '../../support/webhook-receiver.ts';

// The class: a state change made by a worker (not by a command) that the tenant is never told of.
// Every way the worker can disable an endpoint (one delivery at a time, several attempts failing
// at once, a second disabling after re-enabling) must leave exactly one event per disabling.
t.test('an endpoint the worker disables tells its tenant: one WebhookEndpointDisabled event per disabling, shown on the endpoint and delivered to the tenant’s other endpoints', async (t) => {
  const { app, token, database } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const db = createDb({ url: await loginRoleUrl('substream_projector', database.url), max: 6 });
  t.teardown(() => db.destroy());
  const creator = address('disabled-event-creator');
  const owner = `Bearer ${await token(creator, creator)}`;
  let healthy = false;
  const failing = await webhookReceiver(t, () => ({ status: healthy ? 200 : 500 }));
  const watcher = await webhookReceiver(t);
  const { id } = await registerEndpoint(app, owner, failing.url);
  await registerEndpoint(app, owner, watcher.url, ['WebhookEndpointDisabled']);
  const store = createPostgresEventStore(database.db);
  await appendMixedLog(store, 6, 'disabled-event');
  const endpoint = async () => (await app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${id}`, headers: { authorization: owner } })).json();
  const disabledEvents = async () => (await store.readStream(`webhook-endpoint-${id}`)).filter((e) => e.type === 'WebhookEndpointDisabled');

  // Six stream heads fail at once (concurrency 6): the attempts that cross the threshold race.
  const options = testWorkerOptions({ failingAfter: 2, disableAfter: 3, concurrency: 6 });
  await deliverUntil(database.db, options, async () => (await endpoint()).status === 'disabled');
  await deliverDue(db, options);
  const first = await disabledEvents();
  t.equal(first.length, 1, 'one event, however many attempts failed past the threshold');
  t.match(first[0], { metadata: { tenantId: creator, source: 'system' }, data: { endpointId: id, consecutiveFailures: 3 } });
  t.match(first[0]!.data, { reason: /consecutive failed deliveries/, lastError: 'answered 500' });
  t.notOk(JSON.stringify(first[0]!.data).includes(failing.url), 'the event does not carry the URL');
  const shown = await endpoint();
  t.match(shown, { status: 'disabled', enabled: false, disabledReason: /3 consecutive failed deliveries/ });
  t.ok(Date.parse(shown.disabledAt) > 0, 'and when');

  await deliverUntil(database.db, options, () => watcher.received.length >= 1);
  t.same(watcher.received.map((r) => JSON.parse(r.body).type), ['WebhookEndpointDisabled'], 'the tenant’s other endpoint hears of it');
  t.equal(JSON.parse(watcher.received[0]!.body).data.endpointId, id);

  const enabled = await app.inject({ method: 'PATCH', url: `/v1/webhook-endpoints/${id}`, headers: { authorization: owner }, payload: { enabled: true } });
  t.match(enabled.json(), { status: 'active', disabledReason: null, disabledAt: null }, 're-enabling clears the reason');
  await deliverUntil(db, { ...options, concurrency: 1 }, async () => (await endpoint()).status === 'disabled');
  t.equal((await disabledEvents()).length, 2, 'a second disabling is a second event');

  const manual = await app.inject({ method: 'PATCH', url: `/v1/webhook-endpoints/${id}`, headers: { authorization: owner }, payload: { enabled: true } });
  t.equal(manual.statusCode, 200);
  await app.inject({ method: 'PATCH', url: `/v1/webhook-endpoints/${id}`, headers: { authorization: owner }, payload: { enabled: false } });
  t.match(await endpoint(), { status: 'disabled', disabledReason: 'disabled by the tenant' });
  t.equal((await disabledEvents()).length, 2, 'the tenant’s own disabling is no news to it: no event');
  healthy = true;
  await dispatchAll(database.db);
});
