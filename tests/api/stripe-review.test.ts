import t from 'tap';
import type { Test } from 'tap';
import { foldAggregate } from '../../commands/handle-command.ts';
import { subscriptionDecider } from '../../domain/subscription/decide.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { randomAccount, testApp, type TestApp } from '../support/app.ts';
import { checkoutCompleted, invoiceObject, signStripePayload, stripeEvent, subscriptionObject, TEST_WEBHOOK_SECRET, type CardTimeline } from '../support/stripe-events.ts';
import { checkoutSessions, type StandInSession } from '../support/stripe-checkout-stand-in.ts';
import { stripeStandIn, type StripeRequest } from '../support/stripe-stand-in.ts';

// Found by the security review (Stripe card flow): a stale Checkout Session activating another tier,
// a cancellation lost between checkout and subscription, a failed Checkout leaving the intent pending.

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
const CARD_CONFIG = { STRIPE_SECRET_KEY: 'sk_test_standin123', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, STRIPE_SUCCESS_URL: 'https://app.example/ok', STRIPE_CANCEL_URL: 'https://app.example/no' };

/** Checkout Sessions as Stripe documents them, and `POST /v1/subscriptions/:id` (cancel_at_period_end) answered like Stripe. */
function checkoutStandIn() {
  const checkout = checkoutSessions();
  const answer = (request: StripeRequest) => {
    if (request.method === 'POST' && /^\/v1\/subscriptions\/sub_/.test(request.path)) {
      return { id: request.path.split('/').at(-1), object: 'subscription', status: 'active', cancel_at_period_end: true, currency: 'usd', livemode: false, metadata: {} };
    }
    return checkout.answer(request);
  };
  return { answer, sessions: () => [...checkout.sessions.values()] };
}

async function twoTierCreator(t: Test, harness: TestApp): Promise<string> {
  const creator = randomAccount();
  const cauth = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  await harness.app.inject({ method: 'POST', url: '/v1/creators', headers: cauth, payload: { displayName: 'Ada' } });
  const tiers = await harness.app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: cauth, payload: { tiers: [
    { name: 'bronze', token: TOKEN, price: { kind: 'rate', ratePerSecond: '5' }, card: { currency: 'eur', amount: '100' } },
    { name: 'gold', token: TOKEN, price: { kind: 'rate', ratePerSecond: '500' }, card: { currency: 'eur', amount: '90000' } },
  ] } });
  t.equal(tiers.statusCode, 200, tiers.body);
  return creator;
}

const deliverer = (harness: TestApp) => (event: Record<string, unknown>) => {
  const payload = JSON.stringify(event);
  return harness.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(payload) }, payload });
};

/** Every Stripe object of a session's subscription, carrying the metadata Stripe copies onto it from the session. */
function sessionEvents(session: StandInSession, c: CardTimeline, now: number, amount: number): [string, Record<string, unknown>][] {
  const metadata = session.subscriptionMetadata;
  const invoice = invoiceObject(c, 'paid', now, { amount_paid: amount, currency: 'eur' });
  const parent = { type: 'subscription_details', quote_details: null, subscription_details: { subscription: c.stripeSubscription, metadata } };
  return [
    ['checkout.session.completed', stripeEvent('checkout.session.completed', { ...session.object, status: 'complete', payment_status: 'paid', subscription: c.stripeSubscription, amount_total: amount }, now)],
    ['customer.subscription.created', stripeEvent('customer.subscription.created', subscriptionObject(c, 'active', { currency: 'eur', metadata }), now)],
    ['invoice.paid', stripeEvent('invoice.paid', { ...invoice, parent }, now)],
    ['invoice.payment_failed', stripeEvent('invoice.payment_failed', { ...invoiceObject(c, 'open', now, { currency: 'eur' }), parent }, now)],
  ];
}

t.test('a stale cheap Checkout Session never activates the expensive tier requested after it (every event type it can send)', async (t) => {
  const standIn = checkoutStandIn();
  const stripe = await stripeStandIn(t, standIn.answer);
  const harness = await testApp(t, { ...CARD_CONFIG, STRIPE_API_BASE: stripe.url });
  const creator = await twoTierCreator(t, harness);
  const subscriber = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(subscriber)}` };
  const id = `${subscriber}-${creator}`;
  const bronze = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { creator, tier: 'bronze', rail: 'card' } });
  t.equal(bronze.statusCode, 202, bronze.body);
  const cancel = await harness.app.inject({ method: 'POST', url: `/v1/subscriptions/${id}/cancel`, headers: auth });
  t.equal(cancel.statusCode, 202, cancel.body);
  const gold = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { creator, tier: 'gold', rail: 'card' } });
  t.equal(gold.statusCode, 202, gold.body);
  t.equal(standIn.sessions().length, 2);
  const deliver = deliverer(harness);
  const now = Math.floor(Date.now() / 1000);
  // The subscriber pays the still-open BRONZE session: none of its subscription's events may touch the gold intent.
  for (const [type, event] of sessionEvents(standIn.sessions()[0]!, { subscriptionId: id, stripeSubscription: 'sub_cheap1', customer: 'cus_1', start: now }, now, 100)) {
    const r = await deliver(event);
    t.equal(r.json().outcome, 'ignored', `stale bronze ${type}: ${r.body}`);
  }
  const store = createPostgresEventStore(harness.database.db);
  const pending = foldAggregate(await store.readStream(subscriptionStreamId(subscriber, creator)), subscriptionDecider).state;
  t.same([pending.status, pending.tier, pending.cardBilled], ['pending', 'gold', {}], 'the gold intent is still pending, nothing billed');
  // The gold session's own events are recorded.
  const goldEvents = sessionEvents(standIn.sessions()[1]!, { subscriptionId: id, stripeSubscription: 'sub_gold1', customer: 'cus_1', start: now + 1 }, now + 1, 90000);
  for (const [type, event] of goldEvents.slice(0, 3)) t.equal((await deliver(event)).json().outcome, 'recorded', `current gold ${type}`);
  const active = foldAggregate(await store.readStream(subscriptionStreamId(subscriber, creator)), subscriptionDecider).state;
  t.same([active.status, active.tier, active.cardBilled], ['active', 'gold', { EUR: 90000n }]);
});

t.test('the Checkout Session names the request it pays (tier, revision) and expires with the intent, within Stripe\'s window', async (t) => {
  const standIn = checkoutStandIn();
  const stripe = await stripeStandIn(t, standIn.answer);
  const harness = await testApp(t, { ...CARD_CONFIG, STRIPE_API_BASE: stripe.url });
  const creator = await twoTierCreator(t, harness);
  const before = Math.floor(Date.now() / 1000);
  const r = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { authorization: `Bearer ${await harness.token(randomAccount())}` }, payload: { creator, tier: 'gold', rail: 'card' } });
  t.equal(r.statusCode, 202, r.body);
  const session = standIn.sessions()[0]!;
  for (const metadata of [session.object.metadata as Record<string, string>, session.subscriptionMetadata]) {
    t.equal(metadata.tier, 'gold');
    t.equal(metadata.substream_request_revision, String(r.json().revision));
  }
  const expiresAt = Number(session.request.form.get('expires_at'));
  t.ok(expiresAt >= before + 30 * 60 && expiresAt <= before + 24 * 3600 + 5, `expires_at ${expiresAt - before}s from now`);
});

t.test('a cancellation accepted between checkout.session.completed and customer.subscription.created reaches Stripe', async (t) => {
  const standIn = checkoutStandIn();
  const stripe = await stripeStandIn(t, standIn.answer);
  const harness = await testApp(t, { ...CARD_CONFIG, STRIPE_API_BASE: stripe.url });
  const subscriber = randomAccount();
  const creator = randomAccount();
  const now = Math.floor(Date.now() / 1000);
  const c: CardTimeline = { subscriptionId: `${subscriber}-${creator}`, stripeSubscription: 'sub_lost1', customer: 'cus_1', start: now - 60 };
  const deliver = deliverer(harness);
  t.equal((await deliver(checkoutCompleted(c))).json().outcome, 'recorded');
  const auth = { authorization: `Bearer ${await harness.token(subscriber)}` };
  const cancel = await harness.app.inject({ method: 'POST', url: `/v1/subscriptions/${c.subscriptionId}/cancel`, headers: auth });
  t.equal(cancel.statusCode, 202, cancel.body);
  t.ok(stripe.requests.some((r) => r.path === '/v1/subscriptions/sub_lost1' && r.form.get('cancel_at_period_end') === 'true'), 'the accepted cancellation reached the Stripe subscription');
});

t.test('a Checkout Session Stripe refuses leaves no pending intent: the retry is possible', async (t) => {
  const stripe = await stripeStandIn(t, () => undefined); // Stripe refuses: invalid_request_error
  const harness = await testApp(t, { ...CARD_CONFIG, STRIPE_API_BASE: stripe.url });
  const creator = await twoTierCreator(t, harness);
  const subscriber = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(subscriber)}` };
  const first = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { creator, tier: 'gold', rail: 'card' } });
  t.ok(first.statusCode >= 400, `first: ${first.statusCode}`);
  const events = await createPostgresEventStore(harness.database.db).readStream(subscriptionStreamId(subscriber, creator));
  t.not(foldAggregate(events, subscriptionDecider).state.status, 'pending', 'the failed attempt left no pending intent');
  const second = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { creator, tier: 'gold', rail: 'card' } });
  t.not(second.statusCode, 422, `a checkout that never opened leaves no pending intent blocking the retry: ${second.body.slice(0, 200)}`);
});

t.test('a cancellation requested before the checkout completes is sent to Stripe when the sub_… first appears', async (t) => {
  const standIn = checkoutStandIn();
  const stripe = await stripeStandIn(t, standIn.answer);
  const harness = await testApp(t, { ...CARD_CONFIG, STRIPE_API_BASE: stripe.url });
  const creator = await twoTierCreator(t, harness);
  const subscriber = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(subscriber)}` };
  const id = `${subscriber}-${creator}`;
  t.equal((await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { creator, tier: 'gold', rail: 'card' } })).statusCode, 202);
  const cancel = await harness.app.inject({ method: 'POST', url: `/v1/subscriptions/${id}/cancel`, headers: auth });
  t.equal(cancel.statusCode, 202, cancel.body);
  const now = Math.floor(Date.now() / 1000);
  const [completed, created] = sessionEvents(standIn.sessions()[0]!, { subscriptionId: id, stripeSubscription: 'sub_late1', customer: 'cus_1', start: now }, now, 90000).map(([, event]) => event);
  const deliver = deliverer(harness);
  t.equal((await deliver(completed!)).json().outcome, 'recorded');
  t.equal((await deliver(created!)).json().outcome, 'recorded');
  const calls = stripe.requests.filter((r) => r.path === '/v1/subscriptions/sub_late1');
  t.equal(calls.length, 1, 'cancel_at_period_end sent once, when the subscription first appeared');
  t.equal(calls[0]?.form.get('cancel_at_period_end'), 'true');
});
