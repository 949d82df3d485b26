import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { streamDecider } from '../domain/stream/decide.ts';
import { streamRequestId } from '../domain/stream/events.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { handleCommand } from './handle-command.ts';
import { ContractAddress, PositiveStroops, StellarAddress, UnixSeconds } from './schemas.ts';
import { createStreamCall, streamContract, type StreamContractCall } from './stream-calls.ts';

export const RequestStreamInput = z
  .object({
    receiver: StellarAddress,
    token: ContractAddress,
    amount: PositiveStroops,
    start: UnixSeconds,
    cliff: UnixSeconds.optional(),
    end: UnixSeconds,
    memo: z.string().min(1).max(64).optional(),
  })
  .meta({ id: 'RequestStreamInput' });
export type RequestStreamInput = z.infer<typeof RequestStreamInput>;

export interface RequestStreamResult {
  requestId: string;
  status: 'requested';
  revision: number;
  contractCall: StreamContractCall;
}

/** Unix seconds already checked by `UnixSeconds` (inside the time range) → ISO-8601. */
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/**
 * Records the acting address's intent to stream `amount` to `receiver` and returns the
 * `create_stream` call its wallet signs. The chain gives the stream its id; the indexer's
 * StreamCreated makes it visible at `/v1/streams/<contractId>-<id>`.
 *
 * @example const { contractCall } = await requestStream(deps, { receiver: 'GB…', token: 'CC…', amount: '1000', start, end }, context);
 */
export async function requestStream(deps: CommandDeps, input: RequestStreamInput, context: CommandContext): Promise<RequestStreamResult> {
  const d = RequestStreamInput.parse(input);
  const contractId = streamContract(deps.streamContractId);
  const requestId = randomUUID();
  const sender = context.actor;
  const memo = d.memo ?? null;
  const result = await handleCommand(
    deps.store,
    streamRequestId(requestId),
    streamDecider,
    {
      type: 'RequestStreamCreation',
      data: {
        requestId, contractId, sender, receiver: d.receiver, token: d.token, totalAmount: BigInt(d.amount),
        startAt: iso(d.start), cliffAt: d.cliff === undefined ? null : iso(d.cliff), endAt: iso(d.end), memo,
      },
      metadata: { now: context.now, actor: sender },
    },
    traceOf(context, context.tenantId ?? d.receiver),
  );
  const contractCall = createStreamCall(contractId, {
    sender, receiver: d.receiver, token: d.token, amount: BigInt(d.amount), start: BigInt(d.start),
    cliff: d.cliff === undefined ? null : BigInt(d.cliff), end: BigInt(d.end), memo,
  });
  return { requestId, status: 'requested', revision: result.revision, contractCall };
}
