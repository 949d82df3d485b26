import type { Address, Stroops, Timestamp } from '../shared/types.ts';

export type TierName = 'bronze' | 'silver' | 'gold';
export const TIER_ORDER: readonly TierName[] = ['bronze', 'silver', 'gold'];

/** A price is either streamed (`ratePerSecond`) or charged per period (`amount` every `periodSeconds`). */
export type TierPrice =
  | { kind: 'rate'; ratePerSecond: Stroops }
  | { kind: 'period'; amount: Stroops; periodSeconds: number };

/** A tier's monthly card price: minor units (cents) as a decimal string, ISO 4217 code in upper case. */
export interface CardPrice {
  currency: string;
  amount: string;
}

export interface Tier {
  name: TierName;
  token: Address;
  price: TierPrice;
  /** Offered by card (Stripe) too, at this monthly price; absent = wallet only. */
  card?: CardPrice;
}

export type CreatorRegistered = {
  type: 'CreatorRegistered';
  data: { creator: Address; displayName: string; registeredAt: Timestamp };
};
export type TiersSet = { type: 'TiersSet'; data: { creator: Address; tiers: Tier[]; setAt: Timestamp } };

export type CreatorEvent = CreatorRegistered | TiersSet;

export function creatorStreamId(creator: Address): string {
  return `creator-${creator}`;
}
