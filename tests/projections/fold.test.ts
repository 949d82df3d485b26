import t from 'tap';
import { evolve, initialState, type SubscriptionState } from '../../domain/subscription/state.ts';
import type { SubscriptionEvent } from '../../domain/subscription/events.ts';
import { evolveCreator } from '../../projections/creators/projector.ts';
import { evolveSubscriptionRow, type SubscriptionRow } from '../../projections/subscriptions/fold.ts';
import { address, at, creatorEvent, recorded, subEvent } from '../support/subscription-events.ts';

const alice = address('alice');
const bob = address('bob-creator');

/** The row's fold, flattened: the domain state plus the read model's own fields. */
function fold(events: ReturnType<typeof subEvent>[]): SubscriptionState & Omit<SubscriptionRow, 'state'> {
  let row: SubscriptionRow | undefined;
  for (const event of events) row = evolveSubscriptionRow(row, recorded(event));
  return { ...row!.state, confirmedLedger: row!.confirmedLedger, updatedAt: row!.updatedAt };
}

const e = {
  requested: (s = 0) => subEvent('SubscriptionRequested', alice, bob, { tier: 'gold', token: address('usdc', 'C'), ratePerSecond: '5', requestedAt: at(s), expiresAt: at(s + 86_400) }),
  cancelRequested: (s: number) => subEvent('CancellationRequested', alice, bob, { requestedAt: at(s) }),
  expired: (s: number) => subEvent('SubscriptionExpired', alice, bob, { expiredAt: at(s) }),
  activated: (s: number, ledger = 77) => subEvent('SubscriptionActivated', alice, bob, { token: address('usdc', 'C'), ratePerSecond: '7', planId: 1, activatedAt: at(s) }, ledger),
  billed: (s: number, amount = '100') => subEvent('SubscriptionBilled', alice, bob, { amount, billedAt: at(s), merchantReferenceId: null, receiptHash: null }),
  renewed: (s: number, amount = '50') => subEvent('SubscriptionRenewed', alice, bob, { amount, nextBillingAt: at(s + 2_592_000), renewedAt: at(s) }),
  trial: (s: number) => subEvent('TrialStarted', alice, bob, { trialEndsAt: at(s + 604_800), startedAt: at(s), merchantReferenceId: null }),
  grace: (s: number) => subEvent('GracePeriodStarted', alice, bob, { dunningStartedAt: at(s), graceEndsAt: at(s + 259_200), merchantReferenceId: null }),
  cancelled: (s: number, refund = '30') => subEvent('SubscriptionCancelled', alice, bob, { refundAmount: refund, cancelledAt: at(s) }),
  tier: (s: number) => subEvent('TierChanged', alice, bob, { oldRate: '7', newRate: '9', changedAt: at(s) }),
  tip: (s: number, amount = '25') => subEvent('TipReceived', alice, bob, { token: address('usdc', 'C'), amount, tippedAt: at(s) }),
};

t.test('an intent alone is pending, then expires', async (t) => {
  const pending = fold([e.requested()]);
  t.equal(pending.status, 'pending');
  t.equal(pending.creator, bob);
  t.equal(pending.subscriber, alice);
  t.equal(pending.tier, 'gold');
  t.equal(pending.ratePerSecond, 5n);
  t.equal(pending.requestedAt, at(0));
  t.equal(fold([e.requested(), e.expired(90_000)]).status, 'expired');
  t.equal(fold([e.requested(), e.activated(10), e.expired(90_000)]).status, 'active', 'expiry of a confirmed request does nothing');
});

t.test('activation confirms the intent with the chain rate and ledger', async (t) => {
  const row = fold([e.requested(), e.activated(10)]);
  t.equal(row.status, 'active');
  t.equal(row.ratePerSecond, 7n);
  t.equal(row.confirmedLedger, 77);
  t.equal(row.tier, 'gold');
});

t.test('a fact without any intent creates the subscription', async (t) => {
  t.equal(fold([e.activated(10)]).status, 'active');
  const billed = fold([e.billed(20)]);
  t.equal(billed.status, 'active');
  t.equal(billed.totalBilled, 100n);
  t.equal(billed.billsCount, 1);
  t.equal(billed.requestedAt, null);
});

t.test('billed before activated ends the same as in order', async (t) => {
  const inOrder = fold([e.activated(10), e.billed(20), e.billed(30)]);
  const outOfOrder = fold([e.billed(30), e.billed(20), e.activated(10)]);
  for (const key of ['status', 'totalBilled', 'billsCount', 'lastBilledAt', 'ratePerSecond', 'confirmedLedger'] as const) {
    t.same(outOfOrder[key], inOrder[key], key);
  }
  t.equal(inOrder.lastBilledAt, at(30));
});

t.test('renewal moves the next billing date; only SubscriptionBilled charges (as the decider and revenue analytics count)', async (t) => {
  const row = fold([e.activated(10), e.renewed(100), e.renewed(50)]);
  t.equal(row.totalBilled, 0n);
  t.equal(row.billsCount, 0);
  t.equal(row.nextBillingAt, at(100 + 2_592_000));
  t.equal(fold([e.activated(10), e.renewed(100), e.billed(100)]).totalBilled, 100n, 'the payment of a renewal is counted once');
});

t.test('trial, then a payment ends it', async (t) => {
  const trialing = fold([e.activated(10), e.trial(20)]);
  t.equal(trialing.status, 'trialing');
  t.equal(trialing.trialEndsAt, at(20 + 604_800));
  t.equal(fold([e.activated(10), e.trial(20), e.billed(30)]).status, 'active');
  t.equal(fold([e.billed(30), e.trial(20)]).status, 'active', 'a trial older than the last payment is over');
});

t.test('grace period, then a payment ends it', async (t) => {
  const grace = fold([e.activated(10), e.billed(20), e.grace(30)]);
  t.equal(grace.status, 'grace');
  t.equal(grace.graceEndsAt, at(30 + 259_200));
  t.equal(fold([e.activated(10), e.grace(30), e.billed(40)]).status, 'active');
  t.equal(fold([e.billed(40), e.grace(30)]).status, 'active', 'dunning older than the last payment is resolved');
});

t.test('cancellation: refund, stale facts do not resurrect, later ones do', async (t) => {
  const row = fold([e.activated(10), e.cancelRequested(40), e.cancelled(50)]);
  t.equal(row.status, 'cancelled');
  t.equal(row.cancelRequestedAt, at(40));
  t.equal(row.cancelledAt, at(50));
  t.equal(row.refundAmount, 30n);
  t.equal(fold([e.cancelled(50), e.activated(10)]).status, 'cancelled', 'activation older than the cancellation');
  t.equal(fold([e.cancelled(50), e.billed(20)]).status, 'cancelled', 'bill older than the cancellation');
  t.equal(fold([e.cancelled(50), e.billed(20)]).totalBilled, 100n, 'but it still counts');
  t.equal(fold([e.cancelled(50), e.activated(60)]).status, 'active', 'resubscribed after the cancellation');
  t.equal(fold([e.cancelled(50), e.requested(60)]).status, 'pending', 'a new request after a cancellation');
  t.equal(fold([e.billed(60), e.cancelled(50)]).status, 'active', 'a cancellation older than a payment we hold');
});

t.test('late facts never override the status a newer fact set', async (t) => {
  t.equal(fold([e.trial(170), e.renewed(110)]).status, 'trialing', 'a renewal older than the trial');
  t.equal(fold([e.grace(180), e.requested(90), e.billed(130)]).status, 'grace', 'a payment older than the dunning');
  t.equal(fold([e.tier(190), e.trial(80)]).status, 'active', 'a trial older than the tier change');
  t.equal(fold([e.cancelled(20), e.trial(20)]).status, 'trialing', 'same chain time: stream order decides');
});

t.test('tier change and tips', async (t) => {
  t.equal(fold([e.activated(10), e.tier(20)]).ratePerSecond, 9n);
  t.equal(fold([e.tier(20)]).status, 'active', 'a tier change alone proves a live subscription');
  const tipped = fold([e.tip(5), e.tip(6, '1000000000000000000000000000')]);
  t.equal(tipped.status, 'none', 'a tip alone is not a subscription');
  t.equal(tipped.tipsTotal, 1000000000000000000000000025n, 'i128 amounts stay exact');
});

t.test('the row holds exactly the decider\'s state', async (t) => {
  const life = [e.requested(0), e.activated(10), e.billed(20), e.renewed(30), e.grace(40), e.tip(41), e.cancelRequested(45), e.cancelled(50), e.billed(25)];
  const domain = life.reduce((state, event) => evolve(state, { type: event.type, data: event.data } as SubscriptionEvent), initialState());
  const { confirmedLedger, updatedAt, ...state } = fold(life);
  t.same(state, domain);
  t.equal(confirmedLedger, 77);
  t.same(updatedAt, new Date(Date.UTC(2026, 10, 2)), 'updatedAt is when the last event was recorded');
});

t.test('a malformed event throws', async (t) => {
  t.throws(() => evolveSubscriptionRow(undefined, recorded({ id: 'x', type: 'SubscriptionBilled', data: {}, metadata: { source: 'chain' } })));
  t.throws(() => evolveSubscriptionRow(undefined, recorded({ ...e.billed(1), data: { subscriber: alice, creator: bob, amount: 'NaN' } })));
});

t.test('creator fold, tiers before registration', async (t) => {
  const tiers = [{ name: 'gold', token: address('usdc', 'C'), price: { kind: 'rate', ratePerSecond: '5' } }];
  let row = evolveCreator(undefined, recorded(creatorEvent('TiersSet', bob, { tiers, setAt: at(1) })));
  t.equal(row.display_name, null);
  t.same(row.tiers, tiers);
  row = evolveCreator(row, recorded(creatorEvent('CreatorRegistered', bob, { displayName: 'Bob', registeredAt: at(0) })));
  t.equal(row.display_name, 'Bob');
  t.equal(row.registered_at, at(0));
  t.same(row.tiers, tiers);
  t.equal(row.tenant_id, bob);
});
