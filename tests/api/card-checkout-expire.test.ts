import t from 'tap';
import type { Test } from 'tap';
import { foldAggregate } from '../../commands/handle-command.ts';
import { subscriptionDecider } from '../../domain/subscription/decide.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { randomAccount, testApp, type TestApp } from '../support/app.ts';
import { checkoutSessions } from '../support/stripe-checkout-stand-in.ts';
import { TEST_WEBHOOK_SECRET } from '../support/stripe-events.ts';
import { stripeStandIn } from '../support/stripe-stand-in.ts';

// Cancelling a card subscription still waiting for its checkout expires the open Checkout Session
// in Stripe, so the subscriber can no longer pay for what they cancelled.

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
const CARD_CONFIG = { STRIPE_SECRET_KEY: 'sk_test_standin123', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, STRIPE_SUCCESS_URL: 'https://app.example/ok', STRIPE_CANCEL_URL: 'https://app.example/no' };

async function cardCreator(harness: TestApp): Promise<string> {
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  await harness.app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: 'Ada' } });
  const tiers = await harness.app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: auth, payload: { tiers: [
    { name: 'gold', token: TOKEN, price: { kind: 'rate', ratePerSecond: '50' }, card: { currency: 'eur', amount: '900' } },
  ] } });
  if (tiers.statusCode !== 200) throw new Error(tiers.body);
  return creator;
}

async function pendingCard(t: Test) {
  const sessions = checkoutSessions();
  const stripe = await stripeStandIn(t, sessions.answer);
  const harness = await testApp(t, { ...CARD_CONFIG, STRIPE_API_BASE: stripe.url });
  const creator = await cardCreator(harness);
  const subscriber = randomAccount();
  const token = await harness.token(subscriber);
  const subscribe = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { authorization: `Bearer ${token}` }, payload: { creator, tier: 'gold', rail: 'card' } });
  t.equal(subscribe.statusCode, 202, subscribe.body);
  const cancel = (key: string) => harness.app.inject({
    method: 'POST', url: `/v1/subscriptions/${subscriber}-${creator}/cancel`, headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
  });
  return { sessions, stripe, harness, creator, subscriber, sessionId: subscribe.json().checkoutSessionId as string, cancel };
}

t.test('cancel while the checkout is pending: POST /v1/checkout/sessions/:id/expire (no parameters, Idempotency-Key), once', async (t) => {
  const { sessions, stripe, harness, creator, subscriber, sessionId, cancel } = await pendingCard(t);
  const first = await cancel('cancel-pending-1');
  t.equal(first.statusCode, 202, first.body);
  const streamId = subscriptionStreamId(subscriber, creator);
  const expiries = stripe.requests.filter((r) => r.path.endsWith('/expire'));
  t.same(expiries.map((r) => [r.method, r.path, Object.fromEntries(r.form)]), [['POST', `/v1/checkout/sessions/${sessionId}/expire`, {}]], 'the open session is expired, with no parameters');
  t.match(expiries[0]?.idempotencyKey, new RegExp(`^expire:${streamId}:\\d+$`), 'keyed by the recorded cancellation');
  t.equal(sessions.sessions.get(sessionId)?.object.status, 'expired');
  const events = await createPostgresEventStore(harness.database.db).readStream(streamId);
  t.equal(foldAggregate(events, subscriptionDecider).state.status, 'cancelled');

  const retry = await cancel('cancel-pending-1');
  t.equal(retry.statusCode, 202, 'a retry under the same Idempotency-Key answers the same');
  t.ok(stripe.requests.filter((r) => r.path.endsWith('/expire')).every((r) => r.idempotencyKey === expiries[0]!.idempotencyKey), 'any repeat uses the same key');
});

t.test('a session Stripe no longer lets expire (already completed or expired) does not fail the cancellation', async (t) => {
  for (const status of ['complete', 'expired'] as const) {
    const { sessions, harness, creator, subscriber, sessionId, cancel } = await pendingCard(t);
    sessions.sessions.get(sessionId)!.object.status = status;
    const response = await cancel(`cancel-${status}`);
    t.equal(response.statusCode, 202, `${status}: ${response.body}`);
    const events = await createPostgresEventStore(harness.database.db).readStream(subscriptionStreamId(subscriber, creator));
    t.equal(foldAggregate(events, subscriptionDecider).state.status, 'cancelled', `${status}: the intent is cancelled`);
  }
});
