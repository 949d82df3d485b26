import { createHash } from 'node:crypto';
import { Asset, Networks, StrKey, xdr } from '@stellar/stellar-sdk';
import { account, addr, contract, i128, sym } from '../events.ts';
import type { LedgerRecord } from './stellar-rpc-ids.ts';

/** The native asset's Stellar Asset Contract on mainnet: every `fee` event comes from it. */
export const NATIVE_SAC = Asset.native().contractId(Networks.PUBLIC);
export const TOKEN = contract('p23-token');

const EXT = () => xdr.ExtensionPoint.fromXdr(new Uint8Array(4));

function contractEvent(contractId: string, topics: xdr.ScVal[], data: xdr.ScVal, type = xdr.ContractEventType.contract): xdr.ContractEvent {
  return new xdr.ContractEvent({
    ext: EXT(),
    contractId: xdr.ContractId.fromXdr(StrKey.decodeContract(contractId)) as unknown as xdr.ContractEvent['contractId'],
    type,
    body: xdr.ContractEventBody.v0(new xdr.ContractEventV0({ topics, data })),
  });
}

const STAGE = xdr.TransactionEventStage;

export interface GeneratedTransaction {
  /** Contract events per operation. */
  operations: number;
  eventsPerOperation: number;
  /** A `fee` refund after all transactions (protocol 23 Soroban). */
  refund: boolean;
  /** A transaction-level event after the transaction itself (stage after-tx). */
  afterTx?: boolean;
  successful?: boolean;
  /** A `system` event in the first operation. */
  system?: boolean;
}

/**
 * Protocol-23 ledgers (TransactionMeta v4, CAP-67) built with the SDK's XDR types: per
 * transaction a `fee` charge before all transactions, its operations' contract events and, for
 * Soroban transactions, a `fee` refund after all transactions — as stellar-core emits them.
 *
 * @example const records = protocol23Ledgers(1000, [[{ operations: 1, eventsPerOperation: 3, refund: true }]]);
 */
export function protocol23Ledgers(firstLedger: number, ledgers: GeneratedTransaction[][]): LedgerRecord[] {
  const records: LedgerRecord[] = [];
  ledgers.forEach((txs, l) => {
    const ledger = firstLedger + l;
    txs.forEach((spec, i) => {
      const payer = account();
      const txHash = createHash('sha256').update(`p23:${ledger}:${i}:${payer}`).digest('hex');
      const successful = spec.successful !== false;
      const operations = Array.from({ length: spec.operations }, (_, op) => {
        const events = successful
          ? Array.from({ length: spec.eventsPerOperation }, (_, k) =>
              contractEvent(TOKEN, [sym('transfer'), addr(payer), addr(account())], i128(1_000 * (op + 1) + k)),
            )
          : [];
        if (successful && spec.system && op === 0) {
          events.push(contractEvent(TOKEN, [sym('upgrade')], xdr.ScVal.scvVoid(), xdr.ContractEventType.system));
        }
        return new xdr.OperationMetaV2({ ext: EXT(), changes: [], events });
      });
      const txEvents = [new xdr.TransactionEvent({ stage: STAGE.transactionEventStageBeforeAllTxs, event: contractEvent(NATIVE_SAC, [sym('fee'), addr(payer)], i128(100_000 + i)) })];
      if (spec.afterTx) {
        txEvents.push(new xdr.TransactionEvent({ stage: STAGE.transactionEventStageAfterTx, event: contractEvent(NATIVE_SAC, [sym('fee'), addr(payer)], i128(7)) }));
      }
      if (spec.refund) {
        txEvents.push(new xdr.TransactionEvent({ stage: STAGE.transactionEventStageAfterAllTxs, event: contractEvent(NATIVE_SAC, [sym('fee'), addr(payer)], i128(-(40_000 + i))) }));
      }
      const meta = xdr.TransactionMeta.v4(
        new xdr.TransactionMetaV4({
          ext: EXT(),
          txChangesBefore: [],
          operations,
          txChangesAfter: [],
          sorobanMeta: null,
          events: txEvents,
          diagnosticEvents: [],
        }),
      );
      records.push({
        status: successful ? 'SUCCESS' : 'FAILED',
        txHash,
        ledger,
        applicationOrder: i + 1,
        createdAt: 1_760_000_000 + l * 5,
        resultMetaXdr: meta.toXdr('base64'),
      });
    });
  });
  return records;
}
