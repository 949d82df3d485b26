import { TIER_ORDER, type Tier, type TierName } from '../creator/events.ts';
import { tierRatePerSecond } from '../creator/tiers.ts';

/** What the subscriptions read model knows about a subscriber's plan. */
export interface Plan {
  /** The tier named by the subscriber's intent (null for a subscription made through another front end). */
  tier: string | null;
  token: string | null;
  /** The rate the chain last reported (or the intent's, before any fact). */
  ratePerSecond: bigint | null;
}

/**
 * The tier a subscriber pays for, from what the chain says it pays: of the creator's tiers (same
 * token, when the token is known) whose streamed rate (`tierRatePerSecond`, the rate the
 * subscribe call carries) is at most the subscription's rate, the one with the highest rate. The
 * chain's rate wins over the intent's tier name because a TierChanged fact or a subscription made
 * elsewhere changes the rate and not the name; without a rate the name is used. Tier lists stored
 * before same-rate tiers were refused may hold several tiers at that rate: the chain cannot tell
 * them apart, so the intent's name picks among them, else the lowest (never a tier not paid for).
 *
 * @example subscribedTier(tiers, { tier: null, token: 'CA…', ratePerSecond: 10n }) // 'gold' when gold streams 10 a second
 */
export function subscribedTier(tiers: readonly Tier[], plan: Plan): TierName | null {
  const { ratePerSecond, token } = plan;
  if (ratePerSecond === null) return TIER_ORDER.find((name) => name === plan.tier && tiers.some((t) => t.name === name)) ?? null;
  const paid = tiers
    .filter((t) => token === null || t.token === token)
    .map((t) => ({ name: t.name, rate: tierRatePerSecond(t.price) }))
    .filter((t) => t.rate <= ratePerSecond);
  if (paid.length === 0) return null;
  const best = paid.reduce((max, t) => (t.rate > max ? t.rate : max), 0n);
  const top = paid.filter((t) => t.rate === best);
  return top.find((t) => t.name === plan.tier)?.name ?? TIER_ORDER.find((name) => top.some((t) => t.name === name)) ?? null;
}
