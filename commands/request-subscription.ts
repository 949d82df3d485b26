import { z } from 'zod';
import { creatorStreamId } from '../domain/creator/events.ts';
import { findTier, evolve as evolveCreator, initialState as initialCreator } from '../domain/creator/state.ts';
import { tierRatePerSecond } from '../domain/creator/tiers.ts';
import { DomainError } from '../domain/shared/errors.ts';
import { subscriptionDecider } from '../domain/subscription/decide.ts';
import { subscriptionStreamId } from '../domain/subscription/events.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { subscribeCall, type ContractCall } from './contract-call.ts';
import { decideAndAppend, foldAggregate } from './handle-command.ts';
import { StellarAddress } from './schemas.ts';
import { subscriptionId } from './subscription-id.ts';

export const RequestSubscriptionInput = z
  .object({ creator: StellarAddress, tier: z.string().min(1).max(32) })
  .meta({ id: 'RequestSubscriptionInput' });
export type RequestSubscriptionInput = z.infer<typeof RequestSubscriptionInput>;

export interface RequestSubscriptionResult {
  subscriptionId: string;
  streamId: string;
  status: 'pending';
  revision: number;
  contractCall: ContractCall;
}

/**
 * Records the acting address's intent to subscribe to a creator's tier and returns the
 * contract call its wallet must sign. The rate comes from the tier; a per-period price becomes
 * `floor(amount / periodSeconds)` per second (`tierRatePerSecond`), so the subscriber never pays
 * more than listed.
 *
 * @example const { contractCall } = await requestSubscription(deps, { creator: 'GB…', tier: 'gold' }, context);
 */
export async function requestSubscription(deps: CommandDeps, input: RequestSubscriptionInput, context: CommandContext): Promise<RequestSubscriptionResult> {
  const { creator, tier: tierName } = RequestSubscriptionInput.parse(input);
  const subscriber = context.actor;
  if (!StellarAddress.safeParse(subscriber).success) {
    throw new DomainError('SUBSCRIPTION.INVALID_SUBSCRIBER', 'only a Stellar account or contract can subscribe', { actor: subscriber });
  }
  const streamId = subscriptionStreamId(subscriber, creator);
  // Both streams in one round trip; the append still expects the subscription revision read here.
  const [creatorEvents, subscriptionEvents] = await deps.store.readStreams([creatorStreamId(creator), streamId]);
  const { state: creatorState } = foldAggregate(creatorEvents!, { initialState: initialCreator, evolve: evolveCreator });
  if (creatorState.status !== 'registered') throw new DomainError('CREATOR.NOT_FOUND', `no creator ${creator}`, { creator });
  const tier = findTier(creatorState, tierName);
  if (!tier) throw new DomainError('SUBSCRIPTION.UNKNOWN_TIER', `${creator} offers no tier ${tierName}`, { creator, tier: tierName });
  const ratePerSecond = tierRatePerSecond(tier.price);
  // Built before anything is recorded: no contract configured, no intent stored.
  const contractCall = subscribeCall(deps.contractId, { subscriber, creator, token: tier.token, ratePerSecond });
  const result = await decideAndAppend(
    deps.store,
    streamId,
    subscriptionDecider,
    foldAggregate(subscriptionEvents!, subscriptionDecider),
    {
      type: 'RequestSubscription',
      data: { subscriber, creator, tier: tier.name, token: tier.token, ratePerSecond, pendingTtlSeconds: deps.pendingTtlSeconds },
      metadata: { now: context.now, actor: context.actor },
    },
    traceOf(context, context.tenantId ?? creator),
  );
  return { subscriptionId: subscriptionId(subscriber, creator), streamId: result.streamId, status: 'pending', revision: result.revision, contractCall };
}
