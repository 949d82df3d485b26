import { DomainError, assertNever } from '../shared/errors.ts';
import { addSeconds, isAtOrAfter } from '../shared/time.ts';
import type { ExpirePending, RequestCancellation, RequestSubscription, SubscriptionCommand } from './commands.ts';
import type { CancellationRequested, SubscriptionEvent, SubscriptionExpired, SubscriptionRequested } from './events.ts';
import { LIVE_STATUSES, evolve, initialState, type SubscriptionState } from './state.ts';

const isPastExpiry = (state: SubscriptionState, now: string): boolean =>
  state.status === 'pending' && state.expiresAt !== null && isAtOrAfter(now, state.expiresAt);

/**
 * Records the intent to subscribe. A pending intent already past its expiry is expired in the
 * same decision, so a forgotten intent never blocks a new one.
 */
export function requestSubscription(command: RequestSubscription, state: SubscriptionState): (SubscriptionExpired | SubscriptionRequested)[] {
  const { subscriber, creator, tier, token, ratePerSecond, pendingTtlSeconds, rail } = command.data;
  const { now } = command.metadata;
  if (subscriber === creator) throw new DomainError('SUBSCRIPTION.SELF_SUBSCRIPTION', 'a creator cannot subscribe to themselves');
  if (ratePerSecond <= 0n) throw new DomainError('SUBSCRIPTION.INVALID_RATE', 'the rate per second must be positive');
  if (LIVE_STATUSES.includes(state.status)) {
    throw new DomainError('SUBSCRIPTION.ALREADY_ACTIVE', 'this subscription is already active', { status: state.status });
  }
  const expired: SubscriptionExpired[] = isPastExpiry(state, now) ? [{ type: 'SubscriptionExpired', data: { subscriber, creator, expiredAt: now } }] : [];
  if (state.status === 'pending' && expired.length === 0) {
    throw new DomainError('SUBSCRIPTION.ALREADY_PENDING', 'a subscription request is already waiting for the chain', { expiresAt: state.expiresAt });
  }
  const data = { subscriber, creator, tier, token, ratePerSecond: ratePerSecond.toString(), requestedAt: now, expiresAt: addSeconds(now, pendingTtlSeconds) };
  return [...expired, { type: 'SubscriptionRequested', data: rail === undefined ? data : { ...data, rail } }];
}

/** Only the subscriber or the creator may cancel. A pending intent is cancelled at once. */
export function requestCancellation(command: RequestCancellation, state: SubscriptionState): CancellationRequested[] {
  const { subscriber, creator } = command.data;
  const { actor, now } = command.metadata;
  if (actor !== subscriber && actor !== creator) {
    throw new DomainError('SUBSCRIPTION.FORBIDDEN', 'only the subscriber or the creator may cancel this subscription');
  }
  if (state.status === 'none') throw new DomainError('SUBSCRIPTION.NOT_FOUND', 'there is no such subscription');
  if (state.status === 'cancelled' || state.status === 'expired') {
    throw new DomainError('SUBSCRIPTION.ALREADY_CANCELLED', 'this subscription is already over', { status: state.status });
  }
  if (state.cancelRequestedAt !== null) {
    throw new DomainError('SUBSCRIPTION.CANCELLATION_ALREADY_REQUESTED', 'a cancellation is already waiting for the chain', {
      cancelRequestedAt: state.cancelRequestedAt,
    });
  }
  return [{ type: 'CancellationRequested', data: { subscriber, creator, requestedAt: now } }];
}

export function expirePending(command: ExpirePending, state: SubscriptionState): SubscriptionExpired[] {
  const { now } = command.metadata;
  if (!isPastExpiry(state, now)) {
    throw new DomainError('SUBSCRIPTION.NOT_EXPIRABLE', 'only a pending request past its expiry can expire', { status: state.status, expiresAt: state.expiresAt });
  }
  return [{ type: 'SubscriptionExpired', data: { ...command.data, expiredAt: now } }];
}

export function decide(command: SubscriptionCommand, state: SubscriptionState): SubscriptionEvent[] {
  switch (command.type) {
    case 'RequestSubscription':
      return requestSubscription(command, state);
    case 'RequestCancellation':
      return requestCancellation(command, state);
    case 'ExpirePending':
      return expirePending(command, state);
    default:
      return assertNever(command);
  }
}

/** The subscription aggregate as one value (`handleCommand` takes it). */
export const subscriptionDecider = { initialState, evolve, decide };
