import { nativeToScVal } from '@stellar/stellar-sdk';
import { DomainError } from '../domain/shared/errors.ts';

export interface ContractCallArg {
  name: string;
  type: 'address' | 'i128';
  /** The value in its wire form: an address, or an integer as a decimal string. */
  value: string;
  /** The argument as base64 ScVal XDR, ready for `invokeHostFunction`. */
  xdr: string;
}

/** What the subscriber's wallet must sign to confirm a subscription on chain. */
export interface ContractCall {
  contractId: string;
  function: 'subscribe';
  args: ContractCallArg[];
}

function arg(name: string, type: ContractCallArg['type'], value: string): ContractCallArg {
  const native = type === 'i128' ? BigInt(value) : value;
  return { name, type, value, xdr: nativeToScVal(native, { type }).toXDR('base64') };
}

/**
 * Builds `subscribe(subscriber, creator, token, rate_per_second)` on the SubStream contract.
 * Throws `CONFIG.CONTRACT_NOT_CONFIGURED` when no contract id is configured.
 *
 * @example subscribeCall('CA…', { subscriber: 'GA…', creator: 'GB…', token: 'CC…', ratePerSecond: 5n })
 */
export function subscribeCall(
  contractId: string | undefined,
  call: { subscriber: string; creator: string; token: string; ratePerSecond: bigint },
): ContractCall {
  if (!contractId) {
    throw new DomainError('CONFIG.CONTRACT_NOT_CONFIGURED', 'subscriptions are unavailable: no subscription contract is configured');
  }
  return {
    contractId,
    function: 'subscribe',
    args: [
      arg('subscriber', 'address', call.subscriber),
      arg('creator', 'address', call.creator),
      arg('token', 'address', call.token),
      arg('rate_per_second', 'i128', call.ratePerSecond.toString()),
    ],
  };
}
