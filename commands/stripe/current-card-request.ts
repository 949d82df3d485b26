import type { RecordedEvent } from '../../eventstore/types.ts';
import type { CardRequest } from './webhook-facts.ts';

/**
 * Why a Stripe object may not record facts on a stream, or null when it may: once the stream holds
 * a subscription request, only objects opened for its latest request (a card request, same
 * revision and tier, carried in the Checkout Session's metadata) count. A stale session for another
 * tier can no longer activate or bill the tier requested after it. Streams without any request
 * (facts without intent) accept every object.
 *
 * @example staleRequestReason(recorded, { revision: 0, tier: 'bronze' }) // 'Stripe object for request 0 (bronze); the stream\'s current request is 2 (gold, card)'
 */
export function staleRequestReason(recorded: readonly RecordedEvent[], request: CardRequest | null): string | null {
  const latest = [...recorded].reverse().find((e) => e.type === 'SubscriptionRequested');
  if (!latest) return null;
  const data = latest.data as { tier: string; rail?: string };
  const rail = data.rail ?? 'wallet';
  if (request && rail === 'card' && request.revision === latest.streamRevision && request.tier === data.tier) return null;
  const named = request ? `request ${request.revision} (${request.tier})` : 'no SubStream request';
  return `Stripe object for ${named}; the stream's current request is ${latest.streamRevision} (${data.tier}, ${rail})`;
}
