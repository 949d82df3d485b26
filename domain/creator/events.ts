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

/** One tier's Stripe Price (immutable in Stripe: a new price means a new id). */
export interface StripeTierPrice {
  tier: TierName;
  priceId: string;
  currency: string;
  amount: string;
}

/**
 * The creator's card catalogue as synced to Stripe after a `TiersSet` (`causationId` in metadata):
 * one Product, the active Price of each card tier, and the Prices archived by this sync.
 * `account` is the Stripe account (null: the platform's; a Connect account id later).
 */
export type StripeCatalogSynced = {
  type: 'StripeCatalogSynced';
  data: { creator: Address; account: string | null; productId: string; prices: StripeTierPrice[]; archivedPriceIds: string[]; syncedAt: Timestamp };
};

export type CreatorEvent = CreatorRegistered | TiersSet | StripeCatalogSynced;

export function creatorStreamId(creator: Address): string {
  return `creator-${creator}`;
}
