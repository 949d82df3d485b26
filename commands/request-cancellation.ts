import { z } from 'zod';
import { DomainError } from '../domain/shared/errors.ts';
import { subscriptionDecider } from '../domain/subscription/decide.ts';
import type { SubscriptionStatus } from '../domain/subscription/state.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { handleCommand } from './handle-command.ts';
import { parseSubscriptionId } from './subscription-id.ts';

export const SubscriptionIdInput = z.object({
  subscriptionId: z.string().max(200).refine((id) => parseSubscriptionId(id) !== null, 'a subscription id: `<subscriber>-<creator>`'),
});
export const RequestCancellationInput = SubscriptionIdInput.meta({ id: 'RequestCancellationInput' });
export type RequestCancellationInput = z.infer<typeof RequestCancellationInput>;

/** The pair behind a validated id; an unparseable id names no subscription. */
export function pairOf(subscriptionId: string) {
  const pair = parseSubscriptionId(subscriptionId);
  if (!pair) throw new DomainError('SUBSCRIPTION.NOT_FOUND', `no subscription ${subscriptionId}`);
  return pair;
}

/**
 * Asks to cancel: only the subscriber or the creator may (SUBSCRIPTION.FORBIDDEN). A pending
 * request is cancelled at once; a live one stays live until the chain's SubscriptionCancelled.
 *
 * @example await requestCancellation(deps, { subscriptionId: 'GA…-GB…' }, context);
 */
export async function requestCancellation(deps: Pick<CommandDeps, 'store'>, input: RequestCancellationInput, context: CommandContext) {
  const { subscriber, creator, streamId } = pairOf(input.subscriptionId);
  const result = await handleCommand(
    deps.store,
    streamId,
    subscriptionDecider,
    { type: 'RequestCancellation', data: { subscriber, creator }, metadata: { now: context.now, actor: context.actor } },
    traceOf(context, context.tenantId ?? creator),
  );
  const status: SubscriptionStatus = result.state.status;
  return { subscriptionId: input.subscriptionId, streamId, revision: result.revision, status, rail: result.state.rail, cancelRequestedAt: result.state.cancelRequestedAt };
}
