import t from 'tap';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { checkoutCompleted, signStripePayload, stripeEvent, subscriptionObject, TEST_WEBHOOK_SECRET, type CardTimeline } from '../support/stripe-events.ts';
import { stripeStandIn } from '../support/stripe-stand-in.ts';

// Stripe Connect, designed for now: facts carry the Stripe account their object lives in (null for
// the platform's own), and what we ask of Stripe about an object goes to that account
// (`Stripe-Account` header), so connected accounts plug in without reshaping the events.

const CONFIG = { STRIPE_SECRET_KEY: 'sk_test_standin123', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET };

for (const account of [null, 'acct_1ConnectedCreator'] as const) {
  t.test(`facts record the Stripe account (${account ?? 'platform'}) and cancellations are sent to it`, async (t) => {
    const stripe = await stripeStandIn(t, (request) => {
      const match = /^\/v1\/subscriptions\/(sub_[A-Za-z0-9]+)$/.exec(request.path);
      return request.method === 'POST' && match ? { id: match[1], object: 'subscription', status: 'active', cancel_at_period_end: true, currency: 'usd', livemode: false, metadata: {} } : undefined;
    });
    const harness = await testApp(t, { ...CONFIG, STRIPE_API_BASE: stripe.url });
    const subscriber = randomAccount();
    const creator = randomAccount();
    const c: CardTimeline = { subscriptionId: `${subscriber}-${creator}`, stripeSubscription: 'sub_connect1', customer: 'cus_connect1', start: Math.floor(Date.now() / 1000) - 3600 };
    const deliver = (event: Record<string, unknown>) => {
      const payload = JSON.stringify(account === null ? event : { ...event, account });
      return harness.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(payload) }, payload });
    };
    t.equal((await deliver(checkoutCompleted(c))).json().outcome, 'recorded');
    t.equal((await deliver(stripeEvent('customer.subscription.created', subscriptionObject(c, 'active'), c.start))).json().outcome, 'recorded');
    const stream = await createPostgresEventStore(harness.database.db).readStream(subscriptionStreamId(subscriber, creator));
    t.same(stream.map((e) => (e.metadata.stripe as { account: string | null }).account), [account, account], 'every fact names its Stripe account');

    const cancel = await harness.app.inject({ method: 'POST', url: `/v1/subscriptions/${c.subscriptionId}/cancel`, headers: { authorization: `Bearer ${await harness.token(subscriber)}` } });
    t.equal(cancel.statusCode, 202, cancel.body);
    t.same(stripe.requests.map((r) => [r.path, r.account]), [['/v1/subscriptions/sub_connect1', account ?? undefined]], 'the cancellation goes to the account that holds the subscription');
  });
}
