import { DomainError } from '../domain/shared/errors.ts';
import { contractArg, type ContractArg } from './contract-args.ts';

export interface StreamContractCall {
  contractId: string;
  function: 'create_stream' | 'withdraw' | 'cancel';
  args: ContractArg[];
}

/** The configured contract, or `CONFIG.STREAM_CONTRACT_NOT_CONFIGURED` (503). */
export function streamContract(contractId: string | undefined): string {
  if (!contractId) throw new DomainError('CONFIG.STREAM_CONTRACT_NOT_CONFIGURED', 'payment streams are unavailable: no StellarStream contract is configured');
  return contractId;
}

export interface CreateStreamArgs {
  sender: string;
  receiver: string;
  token: string;
  amount: bigint;
  start: bigint;
  cliff: bigint | null;
  end: bigint;
  memo: string | null;
}

/**
 * `create_stream(sender, receiver, token, amount, start, cliff, end, memo)` on StellarStream V2
 * (the shape its `create_v2` event reports back).
 *
 * @example createStreamCall('CA…', { sender: 'GA…', receiver: 'GB…', token: 'CC…', amount: 1000n, start: 1n, cliff: null, end: 101n, memo: null })
 */
export function createStreamCall(contractId: string, a: CreateStreamArgs): StreamContractCall {
  return {
    contractId,
    function: 'create_stream',
    args: [
      contractArg('sender', 'address', a.sender),
      contractArg('receiver', 'address', a.receiver),
      contractArg('token', 'address', a.token),
      contractArg('amount', 'i128', a.amount.toString()),
      contractArg('start', 'u64', a.start.toString()),
      contractArg('cliff', 'option<u64>', a.cliff?.toString() ?? null),
      contractArg('end', 'u64', a.end.toString()),
      contractArg('memo', 'option<string>', a.memo),
    ],
  };
}

/** `withdraw(stream_id, receiver, amount)`. */
export function withdrawCall(contractId: string, streamId: string, receiver: string, amount: bigint): StreamContractCall {
  return {
    contractId,
    function: 'withdraw',
    args: [contractArg('stream_id', 'u64', streamId), contractArg('receiver', 'address', receiver), contractArg('amount', 'i128', amount.toString())],
  };
}

/** `cancel(stream_id, caller)`. */
export function cancelCall(contractId: string, streamId: string, caller: string): StreamContractCall {
  return { contractId, function: 'cancel', args: [contractArg('stream_id', 'u64', streamId), contractArg('caller', 'address', caller)] };
}
