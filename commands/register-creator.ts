import { z } from 'zod';
import { creatorDecider } from '../domain/creator/decide.ts';
import { creatorStreamId } from '../domain/creator/events.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { handleCommand } from './handle-command.ts';

export const RegisterCreatorInput = z.object({ displayName: z.string().trim().min(1).max(80) }).meta({ id: 'RegisterCreatorInput' });
export type RegisterCreatorInput = z.infer<typeof RegisterCreatorInput>;

/**
 * Registers the tenant the request acts for as a creator: the acting wallet itself, or the
 * tenant of a delegated token (never the delegate).
 *
 * @example await registerCreator({ store, pendingTtlSeconds }, { displayName: 'Ada' }, context);
 */
export async function registerCreator(deps: Pick<CommandDeps, 'store'>, input: RegisterCreatorInput, context: CommandContext) {
  const { displayName } = RegisterCreatorInput.parse(input);
  // The tenant the request acts for (a delegated token's tenant), else the acting wallet itself.
  const creator = context.tenantId ?? context.actor;
  const result = await handleCommand(
    deps.store,
    creatorStreamId(creator),
    creatorDecider,
    { type: 'RegisterCreator', data: { creator, displayName }, metadata: { now: context.now, actor: context.actor } },
    traceOf(context, creator),
  );
  return { creator, streamId: result.streamId, revision: result.revision };
}
