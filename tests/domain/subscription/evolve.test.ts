import t from 'tap';
import { evolve, initialState } from '../../../domain/subscription/state.ts';
import type { SubscriptionEvent } from '../../../domain/subscription/events.ts';
import { fold } from '../../support/decider.ts';
import {
  activated, billed, cancellationRequested, cancelled, creator, expired, graceStarted, renewed, requested, subscriber, tierChanged, tipped, token, trialStarted,
} from './fixtures.ts';

const state = (events: SubscriptionEvent[]) => fold({ initialState, evolve }, events);

t.test('the initial state knows nothing', async (t) => {
  t.match(initialState(), { status: 'none', totalBilled: 0n, billsCount: 0, tipsTotal: 0n, ratePerSecond: null, subscriber: null });
});

t.test('SubscriptionRequested: pending with the intent', async (t) => {
  t.match(state([requested()]), {
    status: 'pending', subscriber, creator, tier: 'gold', token, ratePerSecond: 50n,
    requestedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:15:00.000Z',
  });
});

t.test('SubscriptionActivated', async (t) => {
  t.test('confirms the intent with the chain rate', async (t) => {
    t.match(state([requested(), activated('2026-01-01T00:01:00Z', '55')]), {
      status: 'active', tier: 'gold', ratePerSecond: 55n, planId: 7, activatedAt: '2026-01-01T00:01:00Z',
    });
  });
  t.test('without any intent (another front end)', async (t) => {
    t.match(state([activated('2026-01-01T00:01:00Z')]), { status: 'active', subscriber, creator, tier: null, token, ratePerSecond: 50n });
  });
  t.test('keeps what it does not know (older contract shape)', async (t) => {
    const older: SubscriptionEvent = { type: 'SubscriptionActivated', data: { subscriber, creator, token: null, ratePerSecond: '9', planId: null, activatedAt: '2026-01-01T00:01:00Z' } };
    t.match(state([requested(), older]), { status: 'active', token, planId: null, ratePerSecond: 9n });
  });
  t.test('the chain wins over an expired or cancelled intent', async (t) => {
    t.match(state([requested(), expired('2026-01-01T00:15:00Z'), activated('2026-01-01T00:16:00Z')]), { status: 'active' });
    t.match(state([requested(), cancellationRequested('2026-01-01T00:01:00Z'), activated('2026-01-01T00:02:00Z')]), {
      status: 'active', cancelRequestedAt: null, cancelledAt: null,
    });
  });
  t.test('a new cycle after a chain cancellation', async (t) => {
    t.match(state([activated('2026-01-01T00:00:00Z'), cancelled('2026-01-10T00:00:00Z', '7'), activated('2026-01-20T00:00:00Z')]), {
      status: 'active', cancelledAt: null, refundAmount: null, activatedAt: '2026-01-20T00:00:00Z',
    });
  });
});

t.test('SubscriptionBilled', async (t) => {
  t.test('adds up exactly, beyond 2^53', async (t) => {
    const s = state([activated('2026-01-01T00:00:00Z'), billed('2026-01-02T00:00:00Z', '9007199254740993'), billed('2026-01-03T00:00:00Z', '9007199254740993')]);
    t.match(s, { status: 'active', totalBilled: 18014398509481986n, billsCount: 2, lastBilledAt: '2026-01-03T00:00:00Z' });
  });
  t.test('before the activation: still counted, status active', async (t) => {
    const s = state([billed('2026-01-02T00:00:00Z'), activated('2026-01-01T00:00:00Z')]);
    t.match(s, { status: 'active', totalBilled: 1000n, billsCount: 1, activatedAt: '2026-01-01T00:00:00Z', lastBilledAt: '2026-01-02T00:00:00Z' });
  });
  t.test('late and older than the last bill: lastBilledAt keeps the newest', async (t) => {
    t.match(state([billed('2026-01-03T00:00:00Z'), billed('2026-01-02T00:00:00Z')]), { lastBilledAt: '2026-01-03T00:00:00Z', billsCount: 2 });
  });
  t.test('confirms a pending intent', async (t) => {
    t.match(state([requested(), billed('2026-01-01T00:02:00Z')]), { status: 'active', tier: 'gold' });
  });
  t.test('ends a trial and a grace period', async (t) => {
    t.match(state([trialStarted('2026-01-01T00:00:00Z', '2026-01-08T00:00:00Z'), billed('2026-01-08T00:00:00Z')]), {
      status: 'active', trialEndsAt: '2026-01-08T00:00:00Z',
    });
    t.match(state([activated('2026-01-01T00:00:00Z'), graceStarted('2026-02-01T00:00:00Z', '2026-02-08T00:00:00Z'), billed('2026-02-03T00:00:00Z')]), {
      status: 'active', graceEndsAt: null,
    });
  });
  t.test('an older bill arriving after the cancellation is counted but does not revive it', async (t) => {
    t.match(state([activated('2026-01-01T00:00:00Z'), cancelled('2026-01-10T00:00:00Z'), billed('2026-01-05T00:00:00Z')]), {
      status: 'cancelled', totalBilled: 1000n, billsCount: 1, cancelledAt: '2026-01-10T00:00:00Z',
    });
  });
});

t.test('SubscriptionRenewed: active with the next billing date', async (t) => {
  t.match(state([activated('2026-01-01T00:00:00Z'), renewed('2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')]), {
    status: 'active', nextBillingAt: '2026-03-01T00:00:00Z', totalBilled: 0n,
  });
  t.match(state([renewed('2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')]), { status: 'active', nextBillingAt: '2026-03-01T00:00:00Z' }, 'without any intent');
  t.match(state([renewed('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'), renewed('2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')]), {
    nextBillingAt: '2026-04-01T00:00:00Z',
  }, 'an older renewal arriving late keeps the later date');
});

t.test('TrialStarted: trialing until trialEndsAt', async (t) => {
  t.match(state([requested(), trialStarted('2026-01-01T00:01:00Z', '2026-01-08T00:01:00Z')]), { status: 'trialing', trialEndsAt: '2026-01-08T00:01:00Z', tier: 'gold' });
  t.match(state([trialStarted('2026-01-01T00:01:00Z', '2026-01-08T00:01:00Z')]), { status: 'trialing' }, 'without any intent');
  t.match(state([activated('2026-01-01T00:01:00Z'), trialStarted('2026-01-01T00:01:00Z', '2026-01-08T00:01:00Z')]), { status: 'trialing' }, 'same ledger: stream order decides');
});

t.test('GracePeriodStarted: grace until graceEndsAt', async (t) => {
  t.match(state([activated('2026-01-01T00:00:00Z'), graceStarted('2026-02-01T00:00:00Z', '2026-02-08T00:00:00Z')]), { status: 'grace', graceEndsAt: '2026-02-08T00:00:00Z' });
  t.match(state([graceStarted('2026-02-01T00:00:00Z', '2026-02-08T00:00:00Z'), activated('2026-01-01T00:00:00Z')]), {
    status: 'grace', activatedAt: '2026-01-01T00:00:00Z',
  }, 'an older activation arriving late does not end the grace');
  t.match(state([activated('2026-01-01T00:00:00Z'), billed('2026-02-03T00:00:00Z'), graceStarted('2026-02-01T00:00:00Z', '2026-02-08T00:00:00Z')]), {
    status: 'active', graceEndsAt: null,
  }, 'a grace older than the last bill arriving late is over already');
});

t.test('SubscriptionCancelled', async (t) => {
  t.test('ends a live subscription with its refund', async (t) => {
    const s = state([activated('2026-01-01T00:00:00Z'), cancellationRequested('2026-01-09T00:00:00Z'), cancelled('2026-01-10T00:00:00Z', '12345')]);
    t.match(s, { status: 'cancelled', cancelRequestedAt: '2026-01-09T00:00:00Z', cancelledAt: '2026-01-10T00:00:00Z', refundAmount: 12345n });
  });
  t.test('without any intent', async (t) => {
    t.match(state([cancelled('2026-01-10T00:00:00Z', '1')]), { status: 'cancelled', refundAmount: 1n });
  });
  t.test('arriving before an older activation: stays cancelled', async (t) => {
    t.match(state([cancelled('2026-01-10T00:00:00Z', '3'), activated('2026-01-01T00:00:00Z')]), { status: 'cancelled', refundAmount: 3n });
  });
  t.test('an older cancellation arriving late keeps the newest refund', async (t) => {
    t.match(state([cancelled('2026-01-10T00:00:00Z', '3'), cancelled('2026-01-05T00:00:00Z', '9')]), { cancelledAt: '2026-01-10T00:00:00Z', refundAmount: 3n });
  });
});

t.test('CancellationRequested and SubscriptionExpired only touch intents', async (t) => {
  t.match(state([activated('2026-01-01T00:00:00Z'), cancellationRequested('2026-01-02T00:00:00Z')]), { status: 'active', cancelRequestedAt: '2026-01-02T00:00:00Z' });
  t.match(state([requested(), expired('2026-01-01T00:15:00Z')]), { status: 'expired' });
  t.match(state([activated('2026-01-01T00:00:00Z'), expired('2026-01-01T00:15:00Z')]), { status: 'active' }, 'never expires a live subscription');
});

t.test('TierChanged', async (t) => {
  t.test('changes the rate', async (t) => {
    t.match(state([activated('2026-01-01T00:00:00Z'), tierChanged('2026-01-05T00:00:00Z', '80')]), { status: 'active', ratePerSecond: 80n });
  });
  t.test('without any intent it proves a live subscription', async (t) => {
    t.match(state([tierChanged('2026-01-05T00:00:00Z', '80')]), { status: 'active', ratePerSecond: 80n });
  });
  t.test('does not revive a cancelled subscription', async (t) => {
    t.match(state([cancelled('2026-01-10T00:00:00Z'), tierChanged('2026-01-12T00:00:00Z', '80')]), { status: 'cancelled', ratePerSecond: 80n });
  });
  t.test('an older change arriving late keeps the newer rate', async (t) => {
    t.match(state([tierChanged('2026-01-05T00:00:00Z', '80'), activated('2026-01-01T00:00:00Z', '50')]), { ratePerSecond: 80n });
    t.match(state([activated('2026-01-06T00:00:00Z', '90'), tierChanged('2026-01-05T00:00:00Z', '80')]), { ratePerSecond: 90n });
  });
});

t.test('TipReceived: counted, never a subscription by itself', async (t) => {
  t.match(state([tipped('2026-01-01T00:00:00Z', '5'), tipped('2026-01-02T00:00:00Z', '170141183460469231731687303715884105000')]), {
    status: 'none', tipsTotal: 170141183460469231731687303715884105005n, tipsCount: 2, totalBilled: 0n,
  });
  t.match(state([activated('2026-01-01T00:00:00Z'), tipped('2026-01-02T00:00:00Z', '5')]), { status: 'active', tipsTotal: 5n });
});

t.test('a whole life in one stream', async (t) => {
  const s = state([
    requested(),
    activated('2026-01-01T00:01:00Z'),
    billed('2026-01-01T00:01:00Z', '100'),
    renewed('2026-02-01T00:01:00Z', '2026-03-01T00:01:00Z'),
    billed('2026-02-01T00:01:00Z', '100'),
    graceStarted('2026-03-01T00:01:00Z', '2026-03-08T00:01:00Z'),
    cancellationRequested('2026-03-02T00:00:00Z'),
    cancelled('2026-03-02T00:05:00Z', '0'),
  ]);
  t.match(s, {
    status: 'cancelled', tier: 'gold', totalBilled: 200n, billsCount: 2, lastBilledAt: '2026-02-01T00:01:00Z',
    nextBillingAt: '2026-03-01T00:01:00Z', graceEndsAt: null, cancelRequestedAt: '2026-03-02T00:00:00Z', cancelledAt: '2026-03-02T00:05:00Z', refundAmount: 0n,
  });
});
