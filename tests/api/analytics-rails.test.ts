import t from 'tap';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { creatorAnalyticsProjector } from '../../projections/analytics/creator-projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { randomAccount, testApp, type TestApp } from '../support/app.ts';
import { randomContract } from '../support/stream-events.ts';
import { appendsFor, subEvent } from '../support/subscription-events.ts';
import { invoiceObject, monthlyItems, signStripePayload, stripeEvent, subscriptionObject, TEST_WEBHOOK_SECRET, type CardTimeline } from '../support/stripe-events.ts';

// Card subscriptions count in a creator's MRR, churn and revenue as fiat series per currency
// (`currency:<CODE>`, minor units), beside the per-token series of the chain, never added to them.

const DAY = 86_400;
const MONTH = 2_592_000n;
const BASE = Math.floor(Date.UTC(2026, 10, 2) / 1000); // a Monday, unix seconds
const iso = (s: number) => new Date(s * 1000).toISOString();

const deliver = (harness: TestApp, event: Record<string, unknown>) => {
  const payload = JSON.stringify(event);
  return harness.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(payload) }, payload });
};

/** A card subscriber's Stripe facts: subscription created (monthly price), first invoice paid, and optionally deleted at `endedAt`. */
function cardEvents(c: CardTimeline, currency: string, amount: number, endedAt?: number): Record<string, unknown>[] {
  const items = monthlyItems(c, currency, amount);
  const events = [
    stripeEvent('customer.subscription.created', subscriptionObject(c, 'active', { currency, items }), c.start),
    stripeEvent('invoice.paid', invoiceObject(c, 'paid', c.start, { currency, amount_due: amount, amount_paid: amount }), c.start + 200),
  ];
  if (endedAt !== undefined) {
    events.push(stripeEvent('customer.subscription.deleted', subscriptionObject(c, 'canceled', { currency, items, canceled_at: endedAt, ended_at: endedAt }), endedAt));
  }
  return events;
}

t.test('a wallet subscriber and card subscribers in USD and EUR: MRR, counts, churn and revenue per token and per currency, exactly', async (t) => {
  const harness = await testApp(t, { STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
  const { app, database } = harness;
  const creator = randomAccount();
  const token = randomContract();
  const [wallet, usd, eur1, eur2] = [randomAccount(), randomAccount(), randomAccount(), randomAccount()];
  const card = (subscriber: string, n: number): CardTimeline => ({ subscriptionId: `${subscriber}-${creator}`, stripeSubscription: `sub_rails${n}`, customer: `cus_rails${n}`, start: BASE + n * 600 });

  // The wallet subscriber: chain facts (rate 10 stroops/s of the token, one bill).
  await appendToStreams(database.db, appendsFor([
    subEvent('SubscriptionActivated', wallet, creator, { token, ratePerSecond: '10', planId: null, activatedAt: iso(BASE + 60) }),
    subEvent('SubscriptionBilled', wallet, creator, { amount: '25920000', billedAt: iso(BASE + 120), merchantReferenceId: null, receiptHash: null }),
  ]));
  // Card subscribers: signed Stripe webhooks. EUR 1 cancels on day 2.
  const webhooks = [
    ...cardEvents(card(usd, 1), 'usd', 500),
    ...cardEvents(card(eur1, 2), 'eur', 900, BASE + 2 * DAY + 3600),
    ...cardEvents(card(eur2, 3), 'eur', 1250),
  ];
  for (const event of webhooks) {
    const r = await deliver(harness, event);
    t.equal(r.json().outcome, 'recorded', `${event.type} ${r.json().reason ?? ''}`);
  }
  await catchUp(database.db, creatorAnalyticsProjector);
  await catchUp(database.db, subscriptionsProjector);
  const headers = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  const get = async (url: string, auth = headers) => {
    const r = await app.inject({ method: 'GET', url, headers: auth });
    if (r.statusCode !== 200) t.fail(`${url}: ${r.body}`);
    return r.json();
  };
  const byKey = <T extends { token: string | null }>(items: T[] = []) => [...items].sort((a, b) => String(a.token).localeCompare(String(b.token)));
  const walletMrr = (10n * MONTH).toString();

  const me = await get('/v1/analytics/creators/me');
  t.same(me.counts, { active: 3, trialing: 0, grace: 0, cancelled: 1 }, 'one count whatever the rail');
  t.same(byKey(me.mrr), byKey([{ token, amount: walletMrr }, { token: 'currency:USD', amount: '500' }, { token: 'currency:EUR', amount: '1250' }]),
    'MRR per token and per currency (minor units), never a sum across them, no empty token row for card subscriptions');
  t.same(byKey(me.countsByToken), byKey([
    { token, active: 1, trialing: 0, grace: 0, cancelled: 0 },
    { token: 'currency:USD', active: 1, trialing: 0, grace: 0, cancelled: 0 },
    { token: 'currency:EUR', active: 1, trialing: 0, grace: 0, cancelled: 1 },
  ]), 'counts per token and per currency');

  const mrr = await get(`/v1/analytics/creators/me/series?metric=mrr&from=${iso(BASE)}&to=${iso(BASE + 3 * DAY)}&bucket=day`);
  t.same(mrr.points.map((p: { byToken: [] }) => byKey(p.byToken)), [
    byKey([{ token, amount: walletMrr }, { token: 'currency:USD', amount: '500' }, { token: 'currency:EUR', amount: '2150' }]),
    byKey([{ token, amount: walletMrr }, { token: 'currency:USD', amount: '500' }, { token: 'currency:EUR', amount: '2150' }]),
    byKey([{ token, amount: walletMrr }, { token: 'currency:USD', amount: '500' }, { token: 'currency:EUR', amount: '1250' }]),
  ], 'MRR per day: the EUR cancellation leaves the EUR series only');

  const revenue = await get(`/v1/analytics/creators/me/series?metric=revenue&from=${iso(BASE)}&to=${iso(BASE + DAY)}&bucket=day`);
  t.same(byKey(revenue.points[0].byToken), byKey([
    { token, amount: '25920000' }, { token: 'currency:USD', amount: '500' }, { token: 'currency:EUR', amount: '2150' },
  ]), 'revenue per token and per currency');

  const churn = await get(`/v1/analytics/creators/me/series?metric=churn&from=${iso(BASE + 2 * DAY)}&to=${iso(BASE + 3 * DAY)}&bucket=day`);
  const [point] = churn.points;
  t.same([point.cancelled, point.activeAtStart, point.rate], [1, 4, 0.25], 'one churn figure over both rails');
  t.same(byKey(point.churnByToken), byKey([
    { token, cancelled: 0, activeAtStart: 1, rate: 0 },
    { token: 'currency:USD', cancelled: 0, activeAtStart: 1, rate: 0 },
    { token: 'currency:EUR', cancelled: 1, activeAtStart: 2, rate: 0.5 },
  ]), 'churn per rail: per token and per currency');

  const subscribers = await get('/v1/creators/me/subscribers?limit=50');
  const rails = Object.fromEntries(subscribers.items.map((s: { subscriber: string; rail: string; cardBilled: Record<string, string>; totalBilled: string }) =>
    [s.subscriber, [s.rail, s.cardBilled, s.totalBilled]]));
  t.same(rails, {
    [wallet]: ['wallet', {}, '25920000'], [usd]: ['card', { USD: '500' }, '0'], [eur1]: ['card', { EUR: '900' }, '0'], [eur2]: ['card', { EUR: '1250' }, '0'],
  }, 'the subscriber list shows each rail; card money stays out of totalBilled');
  const mine = await get('/v1/me/subscriptions', { authorization: `Bearer ${await harness.token(eur1)}` });
  t.same(mine.items.map((s: { rail: string; status: string; cardBilled: object }) => [s.rail, s.status, s.cardBilled]), [['card', 'cancelled', { EUR: '900' }]]);
});
