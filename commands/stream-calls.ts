import { nativeToScVal, xdr } from '@stellar/stellar-sdk';
import { DomainError } from '../domain/shared/errors.ts';

/** One argument of a StellarStream call, in wire form and as base64 ScVal XDR. */
export interface StreamCallArg {
  name: string;
  type: 'address' | 'i128' | 'u64' | 'string' | 'option<u64>' | 'option<string>';
  /** An address, an integer as a decimal string, a string, or null for an empty option. */
  value: string | null;
  xdr: string;
}

export interface StreamContractCall {
  contractId: string;
  function: 'create_stream' | 'withdraw' | 'cancel';
  args: StreamCallArg[];
}

function scVal(type: StreamCallArg['type'], value: string | null): xdr.ScVal {
  if (value === null) return xdr.ScVal.scvVoid();
  switch (type) {
    case 'address':
      return nativeToScVal(value, { type: 'address' });
    case 'i128':
    case 'u64':
    case 'option<u64>':
      return nativeToScVal(BigInt(value), { type: type === 'i128' ? 'i128' : 'u64' });
    case 'string':
    case 'option<string>':
      return nativeToScVal(value, { type: 'string' });
  }
}

/** One argument with its XDR. */
export function streamArg(name: string, type: StreamCallArg['type'], value: string | null): StreamCallArg {
  return { name, type, value, xdr: scVal(type, value).toXDR('base64') };
}

/** The arguments as one base64 `ScVal::Vec`, e.g. for a link or a QR code. */
export function argsVectorXdr(args: readonly StreamCallArg[]): string {
  return xdr.ScVal.scvVec(args.map((a) => xdr.ScVal.fromXDR(a.xdr, 'base64'))).toXDR('base64');
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
      streamArg('sender', 'address', a.sender),
      streamArg('receiver', 'address', a.receiver),
      streamArg('token', 'address', a.token),
      streamArg('amount', 'i128', a.amount.toString()),
      streamArg('start', 'u64', a.start.toString()),
      streamArg('cliff', 'option<u64>', a.cliff?.toString() ?? null),
      streamArg('end', 'u64', a.end.toString()),
      streamArg('memo', 'option<string>', a.memo),
    ],
  };
}

/** `withdraw(stream_id, receiver, amount)`. */
export function withdrawCall(contractId: string, streamId: string, receiver: string, amount: bigint): StreamContractCall {
  return {
    contractId,
    function: 'withdraw',
    args: [streamArg('stream_id', 'u64', streamId), streamArg('receiver', 'address', receiver), streamArg('amount', 'i128', amount.toString())],
  };
}

/** `cancel(stream_id, caller)`. */
export function cancelCall(contractId: string, streamId: string, caller: string): StreamContractCall {
  return { contractId, function: 'cancel', args: [streamArg('stream_id', 'u64', streamId), streamArg('caller', 'address', caller)] };
}
