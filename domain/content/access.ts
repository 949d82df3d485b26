import { TIER_ORDER, type TierName } from '../creator/events.ts';
import { assertNever } from '../shared/errors.ts';
import type { SubscriptionStatus } from '../subscription/state.ts';

/** Why a caller may or may not open a content item: one stable code per case. */
export const ACCESS_REASONS = [
  'OWNER',
  'SUBSCRIPTION_ACTIVE',
  'SUBSCRIPTION_TRIALING',
  'SUBSCRIPTION_GRACE',
  'ANONYMOUS',
  'NO_SUBSCRIPTION',
  'SUBSCRIPTION_PENDING',
  'SUBSCRIPTION_CANCELLED',
  'SUBSCRIPTION_EXPIRED',
  'TIER_TOO_LOW',
] as const;
export type AccessReason = (typeof ACCESS_REASONS)[number];

/** Who asks: nobody, the creator who owns the content, or a wallet with its subscription to that creator. */
export type Viewer =
  | { kind: 'anonymous' }
  | { kind: 'owner' }
  /** `status` is 'none' when the wallet never subscribed; `tier` is null when no offered tier matches. */
  | { kind: 'subscriber'; status: SubscriptionStatus; tier: TierName | null };

export interface Access {
  allowed: boolean;
  reason: AccessReason;
}

const LIVE_REASON = { active: 'SUBSCRIPTION_ACTIVE', trialing: 'SUBSCRIPTION_TRIALING', grace: 'SUBSCRIPTION_GRACE' } as const;

/** bronze < silver < gold; an unknown tier ranks below bronze. */
export function atOrAbove(tier: TierName | null, minTier: TierName): boolean {
  return tier !== null && TIER_ORDER.indexOf(tier) >= TIER_ORDER.indexOf(minTier);
}

/**
 * Whether a viewer may open content gated at `minTier`: the owner always; a subscriber that is
 * active or trialing at or above the tier, or in its grace period (still paid up); nobody else.
 *
 * @example contentAccess('silver', { kind: 'subscriber', status: 'grace', tier: 'gold' }) // { allowed: true, reason: 'SUBSCRIPTION_GRACE' }
 */
export function contentAccess(minTier: TierName, viewer: Viewer): Access {
  switch (viewer.kind) {
    case 'anonymous':
      return { allowed: false, reason: 'ANONYMOUS' };
    case 'owner':
      return { allowed: true, reason: 'OWNER' };
    case 'subscriber':
      break;
    default:
      return assertNever(viewer);
  }
  const { status, tier } = viewer;
  switch (status) {
    case 'none':
      return { allowed: false, reason: 'NO_SUBSCRIPTION' };
    case 'pending':
      return { allowed: false, reason: 'SUBSCRIPTION_PENDING' };
    case 'cancelled':
      return { allowed: false, reason: 'SUBSCRIPTION_CANCELLED' };
    case 'expired':
      return { allowed: false, reason: 'SUBSCRIPTION_EXPIRED' };
    case 'active':
    case 'trialing':
    case 'grace':
      return atOrAbove(tier, minTier) ? { allowed: true, reason: LIVE_REASON[status] } : { allowed: false, reason: 'TIER_TOO_LOW' };
    default:
      return assertNever(status);
  }
}
