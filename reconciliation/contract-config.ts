import type { Config } from '../platform/config.ts';
import { contractView, type ContractView } from './contract-view.ts';

/**
 * The contract's view for reconciliation when STELLAR_RPC_URL, SUBSTREAM_CONTRACT_ID and
 * RECONCILIATION_CONTRACT_GETTER are all set, else undefined (the report says it was not compared).
 *
 * @example const contract = reconciliationContract(config);
 */
export function reconciliationContract(config: Config): { view: ContractView; getter: string } | undefined {
  const { STELLAR_RPC_URL: rpcUrl, SUBSTREAM_CONTRACT_ID: contractId, RECONCILIATION_CONTRACT_GETTER: getter } = config;
  if (!rpcUrl || !contractId || !getter) return undefined;
  return { view: contractView({ rpcUrl, networkPassphrase: config.STELLAR_NETWORK, contractId, getter }), getter };
}
