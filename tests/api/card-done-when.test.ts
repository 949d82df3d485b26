import t from 'tap';
import type { Test } from 'tap';
import { foldAggregate } from '../../commands/handle-command.ts';
import { subscriptionDecider } from '../../domain/subscription/decide.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { syncStripeCatalogBatch } from '../../integration/stripe-catalog.ts';
import { creatorAnalyticsProjector } from '../../projections/analytics/creator-projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { createStripeClient } from '../../platform/stripe.ts';
import { randomAccount, testApp, type TestApp } from '../support/app.ts';
import { catalogueStandIn } from '../support/stripe-catalog-stand-in.ts';
import { checkoutSessions, type StandInSession } from '../support/stripe-checkout-stand-in.ts';
import { invoiceObject, monthlyItems, signStripePayload, stripeEvent, subscriptionObject, TEST_WEBHOOK_SECRET, type CardTimeline } from '../support/stripe-events.ts';
import { stripeStandIn, type StripeRequest } from '../support/stripe-stand-in.ts';
import { appendsFor, subEvent } from '../support/subscription-events.ts';

// Issue #16, "Done when": a creator's tiers sync to Stripe objects, a card subscription goes
// pending → active → billed → cancelled purely from signed webhooks, duplicate and reordered
// webhooks change nothing, and the creator's analytics count both rails per currency.

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
const MONTH = 2_592_000n;
const DAY = 86_400;
const CONFIG = { STRIPE_SECRET_KEY: 'sk_test_standin123', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, STRIPE_SUCCESS_URL: 'https://app.example/ok', STRIPE_CANCEL_URL: 'https://app.example/no' };

const deliver = async (t: Test, harness: TestApp, event: Record<string, unknown>) => {
  const payload = JSON.stringify(event);
  const r = await harness.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(payload) }, payload });
  if (r.statusCode !== 200) t.fail(`${event.type}: ${r.body}`);
  return r.json().outcome as string;
};

/** Everything Stripe sends about one paid session: completed, subscription created, first invoice paid, subscription deleted at `end`. */
function stripeStory(session: StandInSession, c: CardTimeline, end: number): Record<string, unknown>[] {
  const { currency, amount_total: amount } = session.object as unknown as { currency: string; amount_total: number };
  const metadata = session.subscriptionMetadata;
  const items = monthlyItems(c, currency, amount);
  const parent = { type: 'subscription_details', quote_details: null, subscription_details: { subscription: c.stripeSubscription, metadata } };
  return [
    // The session as Stripe holds it, opened just before the subscription starts.
    stripeEvent('checkout.session.completed', { ...session.object, created: c.start - 60, status: 'complete', payment_status: 'paid', subscription: c.stripeSubscription, customer: c.customer }, c.start),
    stripeEvent('customer.subscription.created', subscriptionObject(c, 'active', { currency, items, metadata }), c.start + 1),
    stripeEvent('invoice.paid', { ...invoiceObject(c, 'paid', c.start, { currency, amount_due: amount, amount_paid: amount }), parent }, c.start + 2),
    stripeEvent('customer.subscription.deleted', subscriptionObject(c, 'canceled', { currency, items, metadata, cancel_at_period_end: true, canceled_at: end, ended_at: end }), end),
  ];
}

t.test('tiers sync → card subscription pending → active → billed → cancelled from signed webhooks; duplicates and reordering change nothing; analytics per rail and currency', async (t) => {
  const catalogue = catalogueStandIn();
  const checkout = checkoutSessions({ prices: catalogue.prices });
  const stripe = await stripeStandIn(t, (request: StripeRequest) => {
    if (request.path.startsWith('/v1/checkout/')) return checkout.answer(request);
    const update = /^\/v1\/subscriptions\/(sub_[A-Za-z0-9]+)$/.exec(request.path);
    if (update && request.method === 'POST') return { id: update[1], object: 'subscription', status: 'active', cancel_at_period_end: request.form.get('cancel_at_period_end') === 'true', currency: 'eur', livemode: false, metadata: {} };
    return catalogue.answer(request);
  });
  const harness = await testApp(t, { ...CONFIG, STRIPE_API_BASE: stripe.url });
  const { app, database } = harness;
  const db = database.db;
  const store = createPostgresEventStore(db);
  const creator = randomAccount();
  const creatorAuth = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  await app.inject({ method: 'POST', url: '/v1/creators', headers: creatorAuth, payload: { displayName: 'Ada' } });
  const tiers = await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: creatorAuth, payload: { tiers: [
    { name: 'gold', token: TOKEN, price: { kind: 'rate', ratePerSecond: '50' }, card: { currency: 'eur', amount: '900' } },
  ] } });
  t.equal(tiers.statusCode, 200, 'tiers set');

  // 1. The tiers sync to a Stripe Product and a monthly Price.
  t.equal((await syncStripeCatalogBatch(db, store, createStripeClient({ STRIPE_SECRET_KEY: CONFIG.STRIPE_SECRET_KEY, STRIPE_API_BASE: stripe.url })!, { batchSize: 100 })).synced, 1);
  t.same(stripe.requests.map((r) => r.path), ['/v1/products', '/v1/prices'], 'a Product and a Price');
  const [priceId] = [...catalogue.prices.keys()];

  // A wallet subscriber to the same tier, from the chain.
  const wallet = randomAccount();
  const now = Math.floor(Date.now() / 1000);
  const base = now - 10 * DAY;
  await appendToStreams(db, appendsFor([
    subEvent('SubscriptionActivated', wallet, creator, { token: TOKEN, ratePerSecond: '50', planId: null, activatedAt: new Date(base * 1000).toISOString() }),
    subEvent('SubscriptionBilled', wallet, creator, { amount: (50n * MONTH).toString(), billedAt: new Date((base + 60) * 1000).toISOString(), merchantReferenceId: null, receiptHash: null }),
  ]));

  // 2. Two card subscribers: pending, each with a Checkout Session on the synced Price.
  const card = [randomAccount(), randomAccount()];
  for (const subscriber of card) {
    const r = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { authorization: `Bearer ${await harness.token(subscriber)}` }, payload: { creator, tier: 'gold', rail: 'card' } });
    t.equal(r.statusCode, 202, r.body);
  }
  const sessions = [...checkout.sessions.values()];
  t.same(sessions.map((s) => s.request.form.get('line_items[0][price]')), [priceId, priceId], 'Checkout uses the synced Price');
  await catchUp(db, subscriptionsProjector);
  const list = async () => {
    await catchUp(db, subscriptionsProjector);
    const r = await app.inject({ method: 'GET', url: '/v1/creators/me/subscribers?limit=50', headers: creatorAuth });
    return Object.fromEntries(r.json().items.map((s: { subscriber: string; status: string; rail: string; cardBilled: object }) => [s.subscriber, [s.status, s.rail, s.cardBilled]]));
  };
  t.same((await list())[card[0]!], ['pending', 'card', {}], 'pending until Stripe says otherwise');

  // 3. Subscriber 0: Stripe's events in order → active, billed; the cancel asks Stripe; the deletion confirms it.
  const timelines = card.map((subscriber, i): CardTimeline => ({ subscriptionId: `${subscriber}-${creator}`, stripeSubscription: `sub_done${i}`, customer: `cus_done${i}`, start: base + 3600 * (i + 1) }));
  const end = base + 5 * DAY;
  const stories = sessions.map((session, i) => stripeStory(session, timelines[i]!, end));
  const [completed, created, paid, deleted] = stories[0]!;
  t.equal(await deliver(t, harness, completed!), 'recorded');
  t.equal(await deliver(t, harness, created!), 'recorded');
  t.same((await list())[card[0]!], ['active', 'card', {}], 'active from the webhooks');
  t.equal(await deliver(t, harness, paid!), 'recorded');
  t.same((await list())[card[0]!], ['active', 'card', { EUR: '900' }], 'billed in EUR minor units');

  await catchUp(db, creatorAnalyticsProjector);
  const summary = async () => (await app.inject({ method: 'GET', url: '/v1/analytics/creators/me', headers: creatorAuth })).json();
  const sortByToken = <T extends { token: string | null }>(items: T[]) => [...items].sort((a, b) => String(a.token).localeCompare(String(b.token)));
  t.same(sortByToken((await summary()).mrr), sortByToken([{ token: TOKEN, amount: (50n * MONTH).toString() }, { token: 'currency:EUR', amount: '900' }]), 'MRR of both rails, each in its own unit');

  const cancel = await app.inject({ method: 'POST', url: `/v1/subscriptions/${timelines[0]!.subscriptionId}/cancel`, headers: { authorization: `Bearer ${await harness.token(card[0]!)}` } });
  t.equal(cancel.statusCode, 202, cancel.body);
  t.ok(stripe.requests.some((r) => r.path === '/v1/subscriptions/sub_done0' && r.form.get('cancel_at_period_end') === 'true'), 'cancel_at_period_end sent to Stripe');
  t.same((await list())[card[0]!], ['active', 'card', { EUR: '900' }], 'still active until Stripe ends it');
  t.equal(await deliver(t, harness, deleted!), 'recorded');
  t.same((await list())[card[0]!], ['cancelled', 'card', { EUR: '900' }], 'cancelled by the deletion webhook');

  // 4. Duplicates of everything change nothing.
  const streamOf = (subscriber: string) => store.readStream(subscriptionStreamId(subscriber, creator));
  const before = (await streamOf(card[0]!)).length;
  for (const event of stories[0]!) t.equal(await deliver(t, harness, event), 'duplicate', `redelivered ${event.type}`);
  t.equal((await streamOf(card[0]!)).length, before, 'no fact added by redeliveries');

  // 5. Subscriber 1: the same story delivered reversed, every event twice → the same state as in order.
  for (const event of [...stories[1]!].reverse()) {
    await deliver(t, harness, event);
    t.equal(await deliver(t, harness, event), 'duplicate', `second delivery of ${event.type}`);
  }
  const fold = async (subscriber: string) => {
    const { status, rail, cardBilled, billsCount, activatedAt, cancelledAt } = foldAggregate(await streamOf(subscriber), subscriptionDecider).state;
    return { status, rail, cardBilled, billsCount, activatedAt, cancelledAt };
  };
  const inOrder = await fold(card[0]!);
  const reversed = await fold(card[1]!);
  t.same({ ...reversed, activatedAt: null }, { ...inOrder, activatedAt: null }, 'reversed and duplicated delivery folds to the same state');
  t.equal(reversed.activatedAt, new Date(timelines[1]!.start * 1000).toISOString(), 'activation dated by the subscription, not by arrival');

  // 6. Analytics: both rails, per currency; the card subscribers' churn under EUR.
  await catchUp(db, creatorAnalyticsProjector);
  const me = await summary();
  t.same(me.counts, { active: 1, trialing: 0, grace: 0, cancelled: 2 });
  t.same(sortByToken(me.mrr), [{ token: TOKEN, amount: (50n * MONTH).toString() }], 'no EUR MRR once both card subscriptions ended');
  const from = new Date(base * 1000).toISOString().slice(0, 10);
  const to = new Date((base + 6 * DAY) * 1000).toISOString().slice(0, 10);
  const series = async (metric: string) => (await app.inject({ method: 'GET', url: `/v1/analytics/creators/me/series?metric=${metric}&from=${from}&to=${to}&bucket=month`, headers: creatorAuth })).json().points;
  const revenue = (await series('revenue')).flatMap((p: { byToken: { token: string; amount: string }[] }) => p.byToken);
  const total = (token: string) => revenue.filter((r: { token: string }) => r.token === token).reduce((sum: bigint, r: { amount: string }) => sum + BigInt(r.amount), 0n).toString();
  t.same([total(TOKEN), total('currency:EUR')], [(50n * MONTH).toString(), '1800'], 'revenue per token and per currency');
  const churned = (await series('churn')).flatMap((p: { churnByToken: { token: string; cancelled: number }[] }) => p.churnByToken.filter((c) => c.cancelled > 0).map((c) => [c.token, c.cancelled]));
  t.same(churned, [['currency:EUR', 2]], 'churn under the card currency');
});

