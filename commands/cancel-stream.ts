import { streamDecider } from '../domain/stream/decide.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { handleCommand } from './handle-command.ts';
import { cancelCall, type StreamContractCall } from './stream-calls.ts';
import { StreamId } from './stream-id.ts';
import { streamRefOf } from './withdraw-from-stream.ts';

/**
 * The sender asks to cancel (STREAM.FORBIDDEN for anyone else). The stream stays live until the
 * chain's StreamCancelled; returns the `cancel` call to sign.
 *
 * @example await cancelStream(deps, 'CA…-42', context);
 */
export async function cancelStream(deps: Pick<CommandDeps, 'store'>, id: string, context: CommandContext): Promise<{ id: string; revision: number; contractCall: StreamContractCall }> {
  StreamId.parse(id);
  const ref = streamRefOf(id);
  const result = await handleCommand(
    deps.store,
    ref.eventStream,
    streamDecider,
    { type: 'RequestStreamCancellation', data: { contractId: ref.contractId, streamId: ref.streamId }, metadata: { now: context.now, actor: context.actor } },
    traceOf(context, context.tenantId ?? context.actor),
  );
  return { id, revision: result.revision, contractCall: cancelCall(ref.contractId, ref.streamId, context.actor) };
}

