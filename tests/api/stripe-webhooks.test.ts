import fc from 'fast-check';
import t from 'tap';
import { subscriptionStreamId, type SubscriptionEvent } from '../../domain/subscription/events.ts';
import { evolve, initialState } from '../../domain/subscription/state.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, testApp, type TestApp } from '../support/app.ts';
import { checkoutCompleted, invoiceObject, signStripePayload, stripeEvent, subscriptionObject, TEST_WEBHOOK_SECRET, type CardTimeline } from '../support/stripe-events.ts';

const ENV = { STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET };
const now = () => Math.floor(Date.now() / 1000);

function timeline(): CardTimeline & { subscriber: string; creator: string } {
  const subscriber = randomAccount();
  const creator = randomAccount();
  const suffix = Math.random().toString(36).slice(2, 10);
  return { subscriber, creator, subscriptionId: `${subscriber}-${creator}`, stripeSubscription: `sub_${suffix}`, customer: `cus_${suffix}`, start: now() - 40 * 86_400 };
}

/** A whole card lifecycle: checkout, subscription created, first invoice paid, renewal failed, paid on retry, deleted. */
function lifecycle(c: CardTimeline): Record<string, unknown>[] {
  const day = 86_400;
  const renewal = c.start + 30 * day;
  return [
    checkoutCompleted(c),
    stripeEvent('customer.subscription.created', subscriptionObject(c, 'active'), c.start + 1),
    stripeEvent('invoice.paid', invoiceObject(c, 'paid', c.start), c.start + 2),
    stripeEvent('invoice.payment_failed', invoiceObject(c, 'open', renewal), renewal + 61),
    stripeEvent('customer.subscription.updated', subscriptionObject(c, 'past_due'), renewal + 62),
    stripeEvent('invoice.paid', invoiceObject(c, 'paid', renewal + 2 * day), renewal + 2 * day + 121),
    stripeEvent('customer.subscription.deleted', subscriptionObject(c, 'canceled', { canceled_at: renewal + 5 * day, ended_at: renewal + 5 * day }), renewal + 5 * day),
  ];
}

async function deliver(harness: TestApp, event: Record<string, unknown>, options: { timestamp?: number; secret?: string; tamper?: boolean } = {}) {
  const payload = JSON.stringify(event);
  const signature = signStripePayload(payload, options);
  const body = options.tamper ? payload.replace('"livemode":false', '"livemode":true') : payload;
  return harness.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, payload: body });
}

async function streamOf(harness: TestApp, c: { subscriber: string; creator: string }) {
  return createPostgresEventStore(harness.database.db).readStream(subscriptionStreamId(c.subscriber, c.creator));
}

const fold = (events: { type: string; data: unknown }[]) => events.reduce((s, e) => evolve(s, e as SubscriptionEvent), initialState());

t.test('without STRIPE_WEBHOOK_SECRET the webhook answers 503 PAYMENTS.CARD_DISABLED in the one error shape', async (t) => {
  const harness = await testApp(t);
  const c = timeline();
  const response = await deliver(harness, checkoutCompleted(c));
  t.equal(response.statusCode, 503);
  t.equal(response.json().code, 'PAYMENTS.CARD_DISABLED');
  t.match(response.json().message, /STRIPE_WEBHOOK_SECRET/);
  t.same(await streamOf(harness, c), []);
});

t.test('a card subscription goes active → billed → grace → billed → cancelled purely from signed webhooks', async (t) => {
  const harness = await testApp(t, ENV);
  const c = timeline();
  const outcomes = [];
  for (const event of lifecycle(c)) {
    const response = await deliver(harness, event);
    t.equal(response.statusCode, 200, response.body);
    outcomes.push(response.json().outcome);
  }
  // subscription.created and .updated (past_due) both prove the activation of sub_…: recorded once.
  t.same(outcomes, ['recorded', 'recorded', 'recorded', 'recorded', 'duplicate', 'recorded', 'recorded']);
  const stream = await streamOf(harness, c);
  t.same(stream.map((e) => e.type), ['SubscriptionActivated', 'SubscriptionActivated', 'SubscriptionBilled', 'GracePeriodStarted', 'SubscriptionBilled', 'SubscriptionCancelled']);
  for (const e of stream) {
    t.equal(e.metadata.source, 'stripe');
    t.equal(e.metadata.tenantId, c.creator);
    t.match((e.metadata.stripe as { eventId: string }).eventId, /^evt_/);
  }
  const billed = stream.filter((e) => e.type === 'SubscriptionBilled').map((e) => e.data as { amount: string; currency: string });
  t.same(billed.map((b) => [b.amount, b.currency]), [['500', 'USD'], ['500', 'USD']], 'card money: minor units as decimal strings with the currency');
  const state = fold(stream);
  t.equal(state.status, 'cancelled');
  t.equal(state.activatedAt, new Date(c.start * 1000).toISOString(), 'activated when the Stripe subscription started');
  t.equal(state.billsCount, 2);
  t.equal(state.totalBilled, 0n, 'card cents are never added to token stroops');
});

t.test('duplicate deliveries change nothing', async (t) => {
  const harness = await testApp(t, ENV);
  const c = timeline();
  const events = lifecycle(c);
  for (const event of events) await deliver(harness, event);
  const before = await streamOf(harness, c);
  for (const event of events) {
    const again = await deliver(harness, event);
    t.equal(again.statusCode, 200);
    t.equal(again.json().outcome, 'duplicate');
  }
  t.equal((await streamOf(harness, c)).length, before.length);
});

t.test('any delivery order, with any redeliveries, folds to the same subscription (property: the objects\' own timestamps, not arrival)', async (t) => {
  const harness = await testApp(t, ENV);
  const reference = timeline();
  for (const event of lifecycle(reference)) await deliver(harness, event);
  const expected = fold(await streamOf(harness, reference));
  const count = lifecycle(reference).length;
  const deliveries = fc.tuple(
    fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
    fc.array(fc.nat({ max: count - 1 }), { maxLength: 4 }),
  ).map(([order, again]) => [...order, ...again]);
  let runs = 0;
  await fc.assert(fc.asyncProperty(deliveries, async (sequence) => {
    // The same objects for a fresh pair: the ids follow the pair, the Stripe event ids are fresh per run.
    const c = { ...timeline(), start: reference.start };
    const events = lifecycle(reference).map((e, i) => JSON.parse(JSON.stringify(e).replaceAll(reference.subscriptionId, c.subscriptionId).replace(/"id":"evt_[^"]+"/, `"id":"evt_run${runs}_${i}"`)));
    runs += 1;
    for (const index of sequence) if ((await deliver(harness, events[index]!)).statusCode !== 200) return false;
    const state = fold(await streamOf(harness, c));
    return JSON.stringify({ ...state, subscriber: null, creator: null }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ===
      JSON.stringify({ ...expected, subscriber: null, creator: null }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  }), { numRuns: 12 });
  t.equal(runs >= 12, true, `${runs} delivery sequences folded to the in-order state`);
});

t.test('a late, stale subscription.updated (active) after the deletion does not revive it', async (t) => {
  const harness = await testApp(t, ENV);
  const c = timeline();
  const events = lifecycle(c);
  for (const event of events) await deliver(harness, event);
  const stale = stripeEvent('customer.subscription.updated', subscriptionObject(c, 'active'), c.start + 10);
  t.equal((await deliver(harness, stale)).json().outcome, 'duplicate');
  t.equal(fold(await streamOf(harness, c)).status, 'cancelled');
});

t.test('bad signatures are 400 and store nothing: wrong secret, altered body, missing header, replayed old event', async (t) => {
  const harness = await testApp(t, ENV);
  const c = timeline();
  const event = checkoutCompleted(c);
  const wrongSecret = await deliver(harness, event, { secret: 'whsec_someoneelse000000000000000' });
  t.equal(wrongSecret.statusCode, 400);
  t.equal(wrongSecret.json().code, 'PAYMENTS.SIGNATURE_INVALID');
  const altered = await deliver(harness, event, { tamper: true });
  t.equal(altered.statusCode, 400);
  t.equal(altered.json().code, 'PAYMENTS.SIGNATURE_INVALID');
  const replayed = await deliver(harness, event, { timestamp: now() - 301 });
  t.equal(replayed.statusCode, 400, 'a signature older than the 300 s tolerance');
  t.equal(replayed.json().code, 'PAYMENTS.SIGNATURE_INVALID');
  const missing = await harness.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(event) });
  t.equal(missing.statusCode, 400);
  t.equal(missing.json().code, 'PAYMENTS.SIGNATURE_MISSING');
  const notJson = await harness.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload('nope') }, payload: 'nope' });
  t.equal(notJson.statusCode, 400, 'a signed body that is not an event');
  t.same(await streamOf(harness, c), []);
  t.equal((await deliver(harness, event)).json().outcome, 'recorded', 'the same event, correctly signed, is then accepted');
});

t.test('unknown event types and objects naming no SubStream subscription are acknowledged and ignored', async (t) => {
  const harness = await testApp(t, ENV);
  const c = timeline();
  const unknown = await deliver(harness, stripeEvent('customer.created', { id: c.customer, object: 'customer', metadata: {} }, now()));
  t.equal(unknown.statusCode, 200);
  t.equal(unknown.json().outcome, 'ignored');
  const foreign = await deliver(harness, stripeEvent('invoice.paid', invoiceObject({ ...c, subscriptionId: 'not-ours' }, 'paid', now()), now()));
  t.equal(foreign.statusCode, 200);
  t.equal(foreign.json().outcome, 'ignored');
  t.same(await streamOf(harness, c), []);
});

t.test('read side: the subscription shows its rail and card money per currency; analytics files card revenue under currency:USD', async (t) => {
  const harness = await testApp(t, ENV);
  const c = timeline();
  for (const event of lifecycle(c).slice(0, 3)) t.equal((await deliver(harness, event)).statusCode, 200);
  for (const projector of allProjectors) await catchUp(harness.database.db, projector);
  const asSubscriber = { authorization: `Bearer ${await harness.token(c.subscriber)}` };
  const view = await harness.app.inject({ method: 'GET', url: `/v1/subscriptions/${c.subscriptionId}`, headers: asSubscriber });
  t.equal(view.statusCode, 200, view.body);
  t.match(view.json(), { status: 'active', rail: 'card', cardBilled: { USD: '500' }, totalBilled: '0', billsCount: 1 });
  const mine = await harness.app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: asSubscriber });
  t.same(mine.json().items.map((s: { rail: string }) => s.rail), ['card']);
  const day = new Date(c.start * 1000);
  const from = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate())).toISOString();
  const to = new Date(Date.parse(from) + 2 * 86_400_000).toISOString();
  const revenue = await harness.app.inject({
    method: 'GET', url: `/v1/analytics/creators/me/series?metric=revenue&from=${from}&to=${to}`,
    headers: { authorization: `Bearer ${await harness.token(c.creator, c.creator)}` },
  });
  t.equal(revenue.statusCode, 200, revenue.body);
  const byToken = revenue.json().points.flatMap((p: { byToken: unknown[] }) => p.byToken);
  t.same(byToken, [{ token: 'currency:USD', amount: '500' }], 'card cents in their own series, never under a token');
});
