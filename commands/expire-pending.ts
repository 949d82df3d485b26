import { z } from 'zod';
import { subscriptionDecider } from '../domain/subscription/decide.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { handleCommand } from './handle-command.ts';
import { SubscriptionIdInput, pairOf } from './request-cancellation.ts';

export const ExpirePendingInput = SubscriptionIdInput.meta({ id: 'ExpirePendingInput' });
export type ExpirePendingInput = z.infer<typeof ExpirePendingInput>;

/**
 * Expires a pending request the chain never confirmed, once `now` is past its `expiresAt`
 * (SUBSCRIPTION.NOT_EXPIRABLE otherwise). Meant for a sweeper or an operator.
 *
 * @example await expirePending({ store }, { subscriptionId }, { actor: 'system', now, correlationId });
 */
export async function expirePending(deps: Pick<CommandDeps, 'store'>, input: ExpirePendingInput, context: CommandContext) {
  const { subscriber, creator, streamId } = pairOf(input.subscriptionId);
  const result = await handleCommand(
    deps.store,
    streamId,
    subscriptionDecider,
    { type: 'ExpirePending', data: { subscriber, creator }, metadata: { now: context.now, actor: context.actor } },
    traceOf(context, context.tenantId ?? creator),
  );
  return { subscriptionId: input.subscriptionId, streamId, revision: result.revision, status: result.state.status };
}
