import t from 'tap';
import { atOrAbove, contentAccess, type Viewer } from '../../../domain/content/access.ts';
import { subscribedTier } from '../../../domain/content/subscribed-tier.ts';
import type { Tier, TierName } from '../../../domain/creator/events.ts';
import type { SubscriptionStatus } from '../../../domain/subscription/state.ts';

const sub = (status: SubscriptionStatus, tier: TierName | null = 'gold'): Viewer => ({ kind: 'subscriber', status, tier });

t.test('the owner always, anonymous never', async (t) => {
  t.same(contentAccess('gold', { kind: 'owner' }), { allowed: true, reason: 'OWNER' });
  t.same(contentAccess('bronze', { kind: 'anonymous' }), { allowed: false, reason: 'ANONYMOUS' });
});

t.test('every subscription status × a tier below, at and above the content\'s', async (t) => {
  const expected: Record<SubscriptionStatus, string | null> = {
    none: 'NO_SUBSCRIPTION', pending: 'SUBSCRIPTION_PENDING', cancelled: 'SUBSCRIPTION_CANCELLED', expired: 'SUBSCRIPTION_EXPIRED',
    active: 'SUBSCRIPTION_ACTIVE', trialing: 'SUBSCRIPTION_TRIALING', grace: 'SUBSCRIPTION_GRACE',
  };
  for (const [status, reason] of Object.entries(expected) as [SubscriptionStatus, string][]) {
    const live = status === 'active' || status === 'trialing' || status === 'grace';
    t.same(contentAccess('silver', sub(status, 'bronze')), live ? { allowed: false, reason: 'TIER_TOO_LOW' } : { allowed: false, reason }, `${status}, below`);
    t.same(contentAccess('silver', sub(status, 'silver')), { allowed: live, reason }, `${status}, at`);
    t.same(contentAccess('silver', sub(status, 'gold')), { allowed: live, reason }, `${status}, above`);
  }
  t.same(contentAccess('bronze', sub('active', null)), { allowed: false, reason: 'TIER_TOO_LOW' }, 'a plan matching no tier is below bronze');
  t.ok(atOrAbove('gold', 'bronze'));
  t.notOk(atOrAbove('bronze', 'gold'));
});

t.test('the tier a subscription pays for comes from its rate, per token', async (t) => {
  const token = 'CTOKEN';
  const tiers: Tier[] = [
    { name: 'bronze', token, price: { kind: 'rate', ratePerSecond: '5' } },
    { name: 'silver', token, price: { kind: 'rate', ratePerSecond: '8' } },
    { name: 'gold', token, price: { kind: 'period', amount: '25920000', periodSeconds: 2592000 } },
  ];
  t.equal(subscribedTier(tiers, { tier: 'bronze', token, ratePerSecond: 10n }), 'gold', 'a chain upgrade (TierChanged) beats the intent\'s name');
  t.equal(subscribedTier(tiers, { tier: 'gold', token, ratePerSecond: 5n }), 'bronze', 'and so does a downgrade');
  t.equal(subscribedTier(tiers, { tier: null, token: null, ratePerSecond: 9n }), 'silver', 'a subscription made elsewhere, token unknown');
  t.equal(subscribedTier(tiers, { tier: null, token, ratePerSecond: 4n }), null, 'below every tier');
  t.equal(subscribedTier(tiers, { tier: null, token: 'COTHER', ratePerSecond: 100n }), null, 'another token buys no tier');
  t.equal(subscribedTier(tiers, { tier: 'silver', token: null, ratePerSecond: null }), 'silver', 'no rate: the intent\'s tier');
  t.equal(subscribedTier(tiers.slice(0, 1), { tier: 'silver', token: null, ratePerSecond: null }), null, 'a tier the creator does not offer');
});
