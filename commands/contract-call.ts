import { DomainError } from '../domain/shared/errors.ts';
import { contractArg, type ContractArg } from './contract-args.ts';

/** What the subscriber's wallet must sign to confirm a subscription on chain. */
export interface ContractCall {
  contractId: string;
  function: 'subscribe';
  args: ContractArg<string>[];
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
      contractArg('subscriber', 'address', call.subscriber),
      contractArg('creator', 'address', call.creator),
      contractArg('token', 'address', call.token),
      contractArg('rate_per_second', 'i128', call.ratePerSecond.toString()),
    ],
  };
}
