import type { Address, CommandMetadata } from '../shared/types.ts';

interface Pair {
  subscriber: Address;
  creator: Address;
}

/** The subscriber's intent; the chain confirms it later with SubscriptionActivated. */
export type RequestSubscription = {
  type: 'RequestSubscription';
  data: Pair & { tier: string; token: Address; ratePerSecond: bigint; pendingTtlSeconds: number; rail?: 'card' };
  metadata: CommandMetadata;
};

/** Asked by the subscriber or the creator (`metadata.actor`). */
export type RequestCancellation = { type: 'RequestCancellation'; data: Pair; metadata: CommandMetadata };

/** Ends a pending intent the chain never confirmed, once it is past `expiresAt`. */
export type ExpirePending = { type: 'ExpirePending'; data: Pair; metadata: CommandMetadata };

export type SubscriptionCommand = RequestSubscription | RequestCancellation | ExpirePending;
