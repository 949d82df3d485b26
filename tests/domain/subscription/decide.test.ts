import t from 'tap';
import type { SubscriptionCommand } from '../../../domain/subscription/commands.ts';
import { subscriptionDecider } from '../../../domain/subscription/decide.ts';
import type { SubscriptionEvent } from '../../../domain/subscription/events.ts';
import { deciderSpec } from '../../support/decider.ts';
import { activated, billed, cancellationRequested, cancelled, creator, expired, graceStarted, pair, requested, subscriber, token, trialStarted } from './fixtures.ts';

const spec = deciderSpec(subscriptionDecider);
const now = '2026-02-01T12:00:00.000Z';
const request = (overrides: Partial<{ subscriber: string; ratePerSecond: bigint }> = {}): SubscriptionCommand => ({
  type: 'RequestSubscription',
  data: { ...pair, tier: 'gold', token, ratePerSecond: 50n, pendingTtlSeconds: 900, ...overrides },
  metadata: { now, actor: overrides.subscriber ?? subscriber },
});
const newRequest: SubscriptionEvent = {
  type: 'SubscriptionRequested',
  data: { ...pair, tier: 'gold', token, ratePerSecond: '50', requestedAt: now, expiresAt: '2026-02-01T12:15:00.000Z' },
};
const cancel = (actor: string = subscriber): SubscriptionCommand => ({ type: 'RequestCancellation', data: pair, metadata: { now, actor } });
const expire = (at: string): SubscriptionCommand => ({ type: 'ExpirePending', data: pair, metadata: { now: at, actor: 'system' } });
const pending = requested('2026-02-01T11:55:00.000Z', '2026-02-01T12:10:00.000Z');

t.test('RequestSubscription', async (t) => {
  t.test('from none: pending until now + ttl', async (t) => {
    const state = spec(t).given([]).when(request()).then([newRequest]);
    t.match(state, { status: 'pending', tier: 'gold', token, ratePerSecond: 50n, requestedAt: now, expiresAt: '2026-02-01T12:15:00.000Z' });
  });
  t.test('again after a chain cancellation', async (t) => {
    const state = spec(t).given([activated('2026-01-01T00:00:00Z'), cancelled('2026-01-10T00:00:00Z', '5')]).when(request()).then([newRequest]);
    t.match(state, { status: 'pending', cancelledAt: null, refundAmount: null });
  });
  t.test('again after an expired request', async (t) => {
    spec(t).given([requested(), expired('2026-01-01T00:16:00.000Z')]).when(request()).then([newRequest]);
  });
  t.test('again after cancelling a pending request', async (t) => {
    spec(t).given([requested(), cancellationRequested('2026-01-01T00:01:00.000Z')]).when(request()).then([newRequest]);
  });
  t.test('refuses while a request is pending', async (t) => {
    spec(t).given([pending]).when(request()).then('SUBSCRIPTION.ALREADY_PENDING');
  });
  t.test('expires a pending request past its expiry and records the new one', async (t) => {
    const stale = requested('2026-02-01T11:00:00.000Z', '2026-02-01T11:15:00.000Z');
    const state = spec(t)
      .given([stale])
      .when(request())
      .then([{ type: 'SubscriptionExpired', data: { ...pair, expiredAt: now } }, newRequest]);
    t.match(state, { status: 'pending', expiresAt: '2026-02-01T12:15:00.000Z' });
  });
  for (const [status, history] of [
    ['trialing', [trialStarted('2026-01-01T00:00:00Z', '2026-01-08T00:00:00Z')]],
    ['active', [requested(), activated('2026-01-01T00:01:00Z')]],
    ['grace', [activated('2026-01-01T00:00:00Z'), graceStarted('2026-01-31T00:00:00Z', '2026-02-07T00:00:00Z')]],
  ] as const) {
    t.test(`refuses while ${status}`, async (t) => {
      spec(t).given(history).when(request()).then('SUBSCRIPTION.ALREADY_ACTIVE');
    });
  }
  t.test('refuses a self-subscription', async (t) => {
    spec(t).given([]).when(request({ subscriber: creator })).then('SUBSCRIPTION.SELF_SUBSCRIPTION');
  });
  t.test('refuses a non-positive rate', async (t) => {
    spec(t).given([]).when(request({ ratePerSecond: 0n })).then('SUBSCRIPTION.INVALID_RATE');
  });
});

t.test('RequestCancellation', async (t) => {
  t.test('cancels a pending request at once', async (t) => {
    const state = spec(t).given([pending]).when(cancel()).then([{ type: 'CancellationRequested', data: { ...pair, requestedAt: now } }]);
    t.match(state, { status: 'cancelled', cancelRequestedAt: now, cancelledAt: now });
  });
  t.test('a live subscription stays live until the chain cancels it', async (t) => {
    for (const history of [
      [activated('2026-01-01T00:00:00Z')],
      [trialStarted('2026-01-01T00:00:00Z', '2026-01-08T00:00:00Z')],
      [activated('2026-01-01T00:00:00Z'), graceStarted('2026-01-31T00:00:00Z', '2026-02-07T00:00:00Z')],
    ]) {
      const before = history.at(-1)!.type;
      const state = spec(t).given(history).when(cancel()).then([{ type: 'CancellationRequested', data: { ...pair, requestedAt: now } }]);
      t.match(state, { cancelRequestedAt: now, cancelledAt: null }, `after ${before}`);
      t.not(state?.status, 'cancelled', `after ${before}`);
    }
  });
  t.test('the creator may cancel too', async (t) => {
    spec(t).given([activated('2026-01-01T00:00:00Z')]).when(cancel(creator)).then([{ type: 'CancellationRequested', data: { ...pair, requestedAt: now } }]);
  });
  t.test('nobody else may, whatever the state', async (t) => {
    spec(t).given([activated('2026-01-01T00:00:00Z')]).when(cancel('GSTRANGER')).then('SUBSCRIPTION.FORBIDDEN');
    spec(t).given([]).when(cancel('GSTRANGER')).then('SUBSCRIPTION.FORBIDDEN');
  });
  t.test('nothing to cancel', async (t) => {
    spec(t).given([]).when(cancel()).then('SUBSCRIPTION.NOT_FOUND');
    spec(t).given([tippedOnly()]).when(cancel()).then('SUBSCRIPTION.NOT_FOUND');
  });
  t.test('already over', async (t) => {
    spec(t).given([activated('2026-01-01T00:00:00Z'), cancelled('2026-01-05T00:00:00Z')]).when(cancel()).then('SUBSCRIPTION.ALREADY_CANCELLED');
    spec(t).given([requested(), expired('2026-01-01T00:16:00Z')]).when(cancel()).then('SUBSCRIPTION.ALREADY_CANCELLED');
  });
  t.test('asking twice', async (t) => {
    spec(t).given([activated('2026-01-01T00:00:00Z'), cancellationRequested('2026-01-02T00:00:00Z')]).when(cancel()).then('SUBSCRIPTION.CANCELLATION_ALREADY_REQUESTED');
  });
});

t.test('ExpirePending', async (t) => {
  t.test('expires a pending request at or after its expiry', async (t) => {
    for (const at of ['2026-02-01T12:10:00.000Z', '2026-02-01T13:00:00.000Z']) {
      const state = spec(t).given([pending]).when(expire(at)).then([{ type: 'SubscriptionExpired', data: { ...pair, expiredAt: at } }]);
      t.equal(state?.status, 'expired');
    }
  });
  t.test('not before its expiry', async (t) => {
    spec(t).given([pending]).when(expire('2026-02-01T12:09:59.999Z')).then('SUBSCRIPTION.NOT_EXPIRABLE');
  });
  t.test('never anything but a pending request', async (t) => {
    spec(t).given([]).when(expire(now)).then('SUBSCRIPTION.NOT_EXPIRABLE');
    spec(t).given([pending, activated('2026-02-01T11:56:00Z')]).when(expire(now)).then('SUBSCRIPTION.NOT_EXPIRABLE');
    spec(t).given([pending, billed('2026-02-01T11:56:00Z')]).when(expire(now)).then('SUBSCRIPTION.NOT_EXPIRABLE');
    spec(t).given([pending, cancellationRequested('2026-02-01T11:57:00Z')]).when(expire(now)).then('SUBSCRIPTION.NOT_EXPIRABLE');
  });
});

function tippedOnly(): SubscriptionEvent {
  return { type: 'TipReceived', data: { ...pair, token, amount: '5', tippedAt: '2026-01-01T00:00:00Z' } };
}
