import { Account, Address, Contract, scValToNative, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import { createRpcClient } from '../indexer/sources/rpc-client.ts';

/**
 * The source of simulated calls: simulation checks no signature or sequence number, so any
 * account does (this is the all-zero key). Nothing is ever submitted: no fee is paid.
 */
const SIMULATION_SOURCE = 'GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF';

/** Reads one subscription's total billed as the contract itself holds it. */
export type ContractView = (subscriber: string, merchant: string) => Promise<{ billed: string } | { error: string }>;

export interface ContractViewOptions {
  rpcUrl: string;
  networkPassphrase: string;
  contractId: string;
  /** The contract's read-only getter `fn(subscriber: Address, merchant: Address) -> i128`. */
  getter: string;
  timeoutMs?: number;
}

/**
 * Calls the getter through Stellar RPC `simulateTransaction` (read-only: the transaction is built,
 * never signed nor sent). The result's `xdr` is the return ScVal; an i128 comes back exact as a
 * decimal string. A simulation error, or a return value that is no integer, is `{ error }`.
 *
 * @example const view = contractView({ rpcUrl, networkPassphrase, contractId, getter: 'total_billed' }); await view('GA…', 'GB…');
 */
export function contractView(options: ContractViewOptions): ContractView {
  const rpc = createRpcClient(options.rpcUrl, { timeoutMs: options.timeoutMs ?? 10_000, attempts: 3 });
  const contract = new Contract(options.contractId);
  return async (subscriber, merchant) => {
    const transaction = new TransactionBuilder(new Account(SIMULATION_SOURCE, '0'), { fee: '100', networkPassphrase: options.networkPassphrase })
      .addOperation(contract.call(options.getter, new Address(subscriber).toScVal(), new Address(merchant).toScVal()))
      .setTimeout(0)
      .build();
    const result = await rpc.call<{ error?: string; results?: { xdr: string }[] }>('simulateTransaction', { transaction: transaction.toXDR() });
    if (result.error) return { error: `simulation failed: ${result.error.slice(0, 300)}` };
    const returned = result.results?.[0]?.xdr;
    if (!returned) return { error: 'simulation returned no result' };
    const value: unknown = scValToNative(xdr.ScVal.fromXDR(returned, 'base64'));
    if (typeof value !== 'bigint') return { error: `the getter returned ${typeof value}, not an integer` };
    return { billed: value.toString() };
  };
}
