import { randomUUID } from 'node:crypto';
import t from 'tap';
import { creatorStreamId } from '../../domain/creator/events.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { randomAccount, testApp, type TestApp } from '../support/app.ts';
import { signStripePayload, stripeEvent, subscriptionObject, TEST_WEBHOOK_SECRET, type CardTimeline } from '../support/stripe-events.ts';
import { stripeStandIn, type StripeRequest } from '../support/stripe-stand-in.ts';

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';

function checkoutSession(request: StripeRequest): Record<string, unknown> | undefined {
  if (request.method !== 'POST' || request.path !== '/v1/checkout/sessions') return undefined;
  const id = `cs_test_${request.idempotencyKey?.length ?? 0}${Math.random().toString(36).slice(2, 10)}`;
  return {
    id, object: 'checkout.session', mode: 'subscription', status: 'open', payment_status: 'unpaid', livemode: false,
    client_reference_id: request.form.get('client_reference_id'), currency: request.form.get('line_items[0][price_data][currency]'),
    success_url: request.form.get('success_url'), cancel_url: request.form.get('cancel_url'), created: Math.floor(Date.now() / 1000),
    metadata: {}, url: `https://checkout.stripe.com/c/pay/${id}`,
  };
}

async function cardCreator(harness: TestApp) {
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  await harness.app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: 'Ada' } });
  const tiers = await harness.app.inject({
    method: 'PUT', url: '/v1/creators/me/tiers', headers: auth,
    payload: { tiers: [
      { name: 'bronze', token: TOKEN, price: { kind: 'rate', ratePerSecond: '5' } },
      { name: 'gold', token: TOKEN, price: { kind: 'rate', ratePerSecond: '50' }, card: { currency: 'eur', amount: '900' } },
    ] },
  });
  if (tiers.statusCode !== 200) throw new Error(tiers.body);
  return creator;
}

t.test('card rail off: 503 PAYMENTS.CARD_DISABLED naming what is missing, nothing recorded; the wallet rail is unchanged', async (t) => {
  const harness = await testApp(t);
  const creator = await cardCreator(harness);
  const subscriber = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(subscriber)}` };
  const card = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { creator, tier: 'gold', rail: 'card' } });
  t.equal(card.statusCode, 503);
  t.equal(card.json().code, 'PAYMENTS.CARD_DISABLED');
  t.same(card.json().details.missing, ['STRIPE_SECRET_KEY', 'STRIPE_SUCCESS_URL', 'STRIPE_CANCEL_URL']);
  t.same(await createPostgresEventStore(harness.database.db).readStream(subscriptionStreamId(subscriber, creator)), []);
  const wallet = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { creator, tier: 'gold' } });
  t.equal(wallet.statusCode, 202);
  t.equal(wallet.json().rail, 'wallet');
  t.ok(wallet.json().contractCall);
});

t.test('rail card records the intent and answers 202 with a Checkout Session created through the SDK (checked by a local stand-in)', async (t) => {
  const stripe = await stripeStandIn(t, checkoutSession);
  const harness = await testApp(t, {
    STRIPE_SECRET_KEY: 'sk_test_standin123', STRIPE_API_BASE: stripe.url,
    STRIPE_SUCCESS_URL: 'https://app.example/subscribed?session={CHECKOUT_SESSION_ID}', STRIPE_CANCEL_URL: 'https://app.example/cancelled',
  });
  const creator = await cardCreator(harness);
  const subscriber = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(subscriber)}` };
  const response = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { creator, tier: 'gold', rail: 'card' } });
  t.equal(response.statusCode, 202, response.body);
  const body = response.json();
  t.equal(body.rail, 'card');
  t.equal(body.status, 'pending');
  t.match(body.checkoutUrl, /^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
  t.equal(stripe.requests.length, 1);
  const [request] = stripe.requests;
  t.equal(request!.method, 'POST');
  t.equal(request!.path, '/v1/checkout/sessions');
  t.equal(request!.authorization, 'Bearer sk_test_standin123');
  t.equal(request!.idempotencyKey, `checkout:${subscriptionStreamId(subscriber, creator)}:0`);
  const form = Object.fromEntries(request!.form);
  t.match(form, {
    mode: 'subscription',
    client_reference_id: `${subscriber}-${creator}`,
    success_url: 'https://app.example/subscribed?session={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://app.example/cancelled',
    'line_items[0][quantity]': '1',
    'line_items[0][price_data][currency]': 'eur',
    'line_items[0][price_data][unit_amount]': '900',
    'line_items[0][price_data][recurring][interval]': 'month',
    'line_items[0][price_data][product_data][name]': 'Ada — gold',
    'metadata[substream_subscription_id]': `${subscriber}-${creator}`,
    'subscription_data[metadata][substream_subscription_id]': `${subscriber}-${creator}`,
  });
  const stream = await createPostgresEventStore(harness.database.db).readStream(subscriptionStreamId(subscriber, creator));
  t.same(stream.map((e) => [e.type, (e.data as { rail?: string }).rail]), [['SubscriptionRequested', 'card'], ['CheckoutSessionOpened', undefined]]);
  t.match(stream[1]?.data, { sessionId: body.checkoutSessionId, requestRevision: 0, account: null }, 'the session is recorded for a cancellation to expire; platform account: null');

  const walletOnly = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { authorization: `Bearer ${await harness.token(randomAccount())}` }, payload: { creator, tier: 'bronze', rail: 'card' } });
  t.equal(walletOnly.statusCode, 422);
  t.equal(walletOnly.json().code, 'SUBSCRIPTION.CARD_NOT_OFFERED');
  t.equal(stripe.requests.length, 1, 'no session for a tier without a card price');

  // Once the catalogue sync has recorded the tier's Price, Checkout uses it instead of inline price data.
  await createPostgresEventStore(harness.database.db).append(creatorStreamId(creator), [{
    id: randomUUID(), type: 'StripeCatalogSynced',
    data: { creator, account: null, productId: 'prod_1', prices: [{ tier: 'gold', priceId: 'price_gold1', currency: 'EUR', amount: '900' }], archivedPriceIds: [], syncedAt: new Date().toISOString() },
    metadata: { source: 'stripe', tenantId: creator },
  }]);
  const next = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { authorization: `Bearer ${await harness.token(randomAccount())}` }, payload: { creator, tier: 'gold', rail: 'card' } });
  t.equal(next.statusCode, 202, next.body);
  const synced = Object.fromEntries(stripe.requests[1]!.form);
  t.equal(synced['line_items[0][price]'], 'price_gold1');
  t.notOk('line_items[0][price_data][currency]' in synced);
});

t.test('cancel a card subscription: cancel_at_period_end in Stripe (checked by the stand-in), then the deletion webhook confirms it', async (t) => {
  const stripe = await stripeStandIn(t, (request) => {
    const match = /^\/v1\/subscriptions\/(sub_[A-Za-z0-9]+)$/.exec(request.path);
    if (request.method !== 'POST' || !match) return undefined;
    return { id: match[1], object: 'subscription', status: 'active', cancel_at_period_end: request.form.get('cancel_at_period_end') === 'true', currency: 'usd', livemode: false, metadata: {} };
  });
  const harness = await testApp(t, { STRIPE_SECRET_KEY: 'sk_test_standin123', STRIPE_API_BASE: stripe.url, STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
  const subscriber = randomAccount();
  const creator = randomAccount();
  const c: CardTimeline = { subscriptionId: `${subscriber}-${creator}`, stripeSubscription: 'sub_cancelme1', customer: 'cus_cancelme1', start: Math.floor(Date.now() / 1000) - 86_400 };
  const deliver = (event: Record<string, unknown>) => {
    const payload = JSON.stringify(event);
    return harness.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(payload) }, payload });
  };
  t.equal((await deliver(stripeEvent('customer.subscription.created', subscriptionObject(c, 'active'), c.start))).json().outcome, 'recorded');
  const auth = { authorization: `Bearer ${await harness.token(subscriber)}`, 'idempotency-key': 'cancel-card-1' };
  const cancel = await harness.app.inject({ method: 'POST', url: `/v1/subscriptions/${c.subscriptionId}/cancel`, headers: auth });
  t.equal(cancel.statusCode, 202, cancel.body);
  t.same(stripe.requests.map((r) => [r.method, r.path, r.idempotencyKey, Object.fromEntries(r.form)]), [
    ['POST', '/v1/subscriptions/sub_cancelme1', `cancel:${subscriptionStreamId(subscriber, creator)}:1`, { cancel_at_period_end: 'true' }],
  ]);
  const again = await harness.app.inject({ method: 'POST', url: `/v1/subscriptions/${c.subscriptionId}/cancel`, headers: auth });
  t.equal(again.statusCode, 202);
  t.equal(stripe.requests.length, 1, 'a retry under the same Idempotency-Key does not call Stripe again');
  const end = c.start + 30 * 86_400;
  await deliver(stripeEvent('customer.subscription.deleted', subscriptionObject(c, 'canceled', { canceled_at: end, ended_at: end, cancel_at_period_end: true }), end));
  const stream = await createPostgresEventStore(harness.database.db).readStream(subscriptionStreamId(subscriber, creator));
  t.same(stream.map((e) => e.type), ['SubscriptionActivated', 'CancellationRequested', 'SubscriptionCancelled']);
});
