import { StrKey, xdr } from '@stellar/stellar-sdk';
import type { TransactionRecord } from '../../../indexer/meta/transaction-events.ts';
import type { RpcEvent } from '../../../indexer/sources/rpc-event-id.ts';

/** A getTransactions record with everything stellar-rpc's ingestion knows of it. */
export type LedgerRecord = TransactionRecord & { ledger: number; applicationOrder: number; createdAt: number };

const TX_MASK = 0xfffff;
const OP_MASK = 0xfff;

/** `%019d-%010d` of a stellar-rpc `protocol.Cursor` (TOID = ledger<<32 | tx<<12 | op). */
export function cursorString(ledger: number, tx: number, op: number, event: number): string {
  const toid = (BigInt(ledger) << 32n) | (BigInt(tx) << 12n) | BigInt(op);
  return `${toid.toString().padStart(19, '0')}-${event.toString().padStart(10, '0')}`;
}

/**
 * The getEvents items stellar-rpc serves for whole ledgers, numbered exactly as its ingestion
 * does (stellar-rpc cmd/stellar-rpc/internal/db/event.go, `InsertEvents` and `txEventIndices`):
 * - before all transactions: `{ledger, 0, 0, k}`, k one counter across the ledger;
 * - operation events: `{ledger, tx, op, i}`, i restarting for every operation;
 * - after a transaction: `{ledger, tx, 0xfff, i}`, i restarting for every transaction;
 * - after all transactions (protocol 23 fee refunds): `{ledger, 0xfffff, 0, k}`, k one counter
 *   across the ledger.
 * Written from the stellar-rpc source, independently of the indexer's reader, as the oracle.
 */
export function stellarRpcEventsOf(records: LedgerRecord[], options: { withoutInSuccessfulContractCall?: boolean } = {}): RpcEvent[] {
  const out: RpcEvent[] = [];
  const ledgers = [...new Set(records.map((r) => r.ledger))].sort((a, b) => a - b);
  for (const ledger of ledgers) {
    let beforeAll = 0;
    let afterAll = 0;
    const txs = records.filter((r) => r.ledger === ledger).sort((a, b) => a.applicationOrder - b.applicationOrder);
    for (const record of txs) {
      const meta = xdr.TransactionMeta.fromXdr(record.resultMetaXdr, 'base64');
      const successful = (record.status ?? 'SUCCESS') === 'SUCCESS';
      const item = (event: xdr.ContractEvent, tx: number, op: number, index: number): RpcEvent => {
        const body = event.body.v0;
        const base: RpcEvent = {
          type: event.type.name === 'system' ? 'system' : 'contract',
          ledger,
          ledgerClosedAt: new Date(record.createdAt * 1000).toISOString().replace('.000Z', 'Z'),
          contractId: event.contractId ? StrKey.encodeContract(event.contractId.value) : '',
          id: cursorString(ledger, tx, op, index),
          operationIndex: op,
          transactionIndex: tx,
          txHash: record.txHash,
          topic: body.topics.map((t) => t.toXdr('base64')),
          value: body.data.toXdr('base64'),
        };
        return options.withoutInSuccessfulContractCall ? base : { ...base, inSuccessfulContractCall: successful };
      };
      let afterTx = 0;
      if (meta.type === 'v4') {
        for (const txEvent of meta.v4.events) {
          const stage = txEvent.stage.value;
          if (stage === 0) out.push(item(txEvent.event, 0, 0, beforeAll++));
          else if (stage === 2) out.push(item(txEvent.event, TX_MASK, 0, afterAll++));
          else out.push(item(txEvent.event, record.applicationOrder, OP_MASK, afterTx++));
        }
        meta.v4.operations.forEach((op, opIndex) => op.events.forEach((e, i) => out.push(item(e, record.applicationOrder, opIndex, i))));
      } else if (meta.type === 'v3') {
        (meta.v3.sorobanMeta?.events ?? []).forEach((e, i) => out.push(item(e, record.applicationOrder, 0, i)));
      }
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
