import { z } from 'zod';
import { streamDecider } from '../domain/stream/decide.ts';
import { DomainError } from '../domain/shared/errors.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { handleCommand } from './handle-command.ts';
import { PositiveStroops } from './schemas.ts';
import { withdrawCall, type StreamContractCall } from './stream-calls.ts';
import { parseStreamId, StreamId } from './stream-id.ts';

export const WithdrawInput = z.object({ amount: PositiveStroops.optional() }).meta({ id: 'WithdrawInput' });
export type WithdrawInput = z.infer<typeof WithdrawInput>;

/** The stream behind a validated id; an unparseable id names no stream. */
export function streamRefOf(id: string) {
  const ref = parseStreamId(id);
  if (!ref) throw new DomainError('STREAM.NOT_FOUND', `no stream ${id}`);
  return ref;
}

/**
 * The receiver asks to withdraw `amount` (everything withdrawable now without one); more than
 * withdrawable is STREAM.INSUFFICIENT_WITHDRAWABLE. Returns the `withdraw` call to sign.
 *
 * @example await withdrawFromStream(deps, 'CA…-42', { amount: '250' }, context);
 */
export async function withdrawFromStream(deps: Pick<CommandDeps, 'store'>, id: string, input: WithdrawInput, context: CommandContext) {
  StreamId.parse(id);
  const { amount } = WithdrawInput.parse(input);
  const ref = streamRefOf(id);
  const result = await handleCommand(
    deps.store,
    ref.eventStream,
    streamDecider,
    { type: 'RequestWithdrawal', data: { contractId: ref.contractId, streamId: ref.streamId, amount: amount === undefined ? null : BigInt(amount) }, metadata: { now: context.now, actor: context.actor } },
    traceOf(context, context.tenantId ?? context.actor),
  );
  const requested = BigInt(result.events[0]!.type === 'WithdrawalRequested' ? result.events[0]!.data.amount : '0');
  const contractCall: StreamContractCall = withdrawCall(ref.contractId, ref.streamId, context.actor, requested);
  return { id, revision: result.revision, amount: requested.toString(), contractCall };
}
