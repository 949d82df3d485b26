import { StrKey } from '@stellar/stellar-sdk';
import { subscriptionStreamId } from '../domain/subscription/events.ts';

const isAddress = (v: string): boolean => StrKey.isValidEd25519PublicKey(v) || StrKey.isValidContract(v);

/** The public id of a subscription: `${subscriber}-${creator}` (addresses never contain `-`). */
export function subscriptionId(subscriber: string, creator: string): string {
  return `${subscriber}-${creator}`;
}

/**
 * The (subscriber, creator) pair behind a subscription id, or `null` when it is not two Stellar
 * addresses joined by `-`.
 *
 * @example parseSubscriptionId('GA…-GB…') // { subscriber: 'GA…', creator: 'GB…', streamId: 'subscription-GA…-GB…' }
 */
export function parseSubscriptionId(id: string): { subscriber: string; creator: string; streamId: string } | null {
  const parts = id.split('-');
  if (parts.length !== 2) return null;
  const [subscriber, creator] = parts as [string, string];
  if (!isAddress(subscriber) || !isAddress(creator)) return null;
  return { subscriber, creator, streamId: subscriptionStreamId(subscriber, creator) };
}
