import { TRANSACTION_LEVEL_OPERATION_INDEX } from '../meta/transaction-events.ts';
import type { RawContractEvent, TransactionEventStage } from './types.ts';

/** One item of a `getEvents` response (base64 XDR format). */
export interface RpcEvent {
  /** `contract`, `system` or `diagnostic`. */
  type: string;
  ledger: number;
  ledgerClosedAt: string;
  contractId: string;
  id: string;
  operationIndex?: number;
  transactionIndex?: number;
  txHash: string;
  /** Deprecated by stellar-rpc and omitted by recent releases: read when present, never required. */
  inSuccessfulContractCall?: boolean;
  topic: string[];
  value: string;
}

/** The TOID transaction slot stellar-rpc gives events after all transactions (`toid.TransactionMask`). */
export const AFTER_ALL_TXS_ORDER = 0xfffff;

/**
 * Reads getEvents items, in id order, into RawContractEvents with the indexer's identity.
 * stellar-rpc numbers ids `<TOID>-<event>` (internal/db/event.go):
 * `{ledger, 0, 0, k}` before all transactions and `{ledger, 0xfffff, 0, k}` after all
 * transactions, k one counter across the ledger; `{ledger, tx, 0xfff, i}` after a transaction;
 * `{ledger, tx, op, i}` for an operation's events. The ledger-wide counters become the event's
 * index among its own transaction's events of that stage, the number its meta gives it, by
 * counting per transaction — so every item of a ledger's stage must pass through one reader, in
 * id order (all fee events come from the native asset's contract: a contract filter keeps all
 * of them or none).
 *
 * @example const read = createRpcEventReader(); const events = items.map(read);
 */
export function createRpcEventReader(): (item: RpcEvent) => RawContractEvent {
  let ledger = -1;
  let seen = new Map<string, number>();
  return (item) => {
    const id = parseEventId(item.id);
    if (id.ledger !== ledger) {
      ledger = id.ledger;
      seen = new Map();
    }
    const stage = stageOfId(id.txOrder, id.operationIndex);
    let eventIndex = id.eventIndex;
    if (stage === 'before-all-txs' || stage === 'after-all-txs') {
      const key = `${stage}:${item.txHash}`;
      eventIndex = seen.get(key) ?? 0;
      seen.set(key, eventIndex + 1);
    }
    return {
      ledger: item.ledger,
      ledgerClosedAt: item.ledgerClosedAt,
      txHash: item.txHash,
      operationIndex: stage === 'operation' ? id.operationIndex : TRANSACTION_LEVEL_OPERATION_INDEX,
      eventIndex,
      contractId: item.contractId,
      topics: item.topic,
      value: item.value,
      ...(typeof item.inSuccessfulContractCall === 'boolean' ? { inSuccessfulContractCall: item.inSuccessfulContractCall } : {}),
      stage,
    };
  };
}

function stageOfId(txOrder: number, operationIndex: number): 'operation' | TransactionEventStage {
  if (txOrder === 0) return 'before-all-txs';
  if (txOrder === AFTER_ALL_TXS_ORDER) return 'after-all-txs';
  if (operationIndex === TRANSACTION_LEVEL_OPERATION_INDEX) return 'after-tx';
  return 'operation';
}

/** `%019d-%010d` = TOID (ledger<<32 | txOrder<<12 | opIndex) and event index. */
export function parseEventId(id: string): { ledger: number; txOrder: number; operationIndex: number; eventIndex: number } {
  const match = /^(\d{1,19})-(\d{1,10})$/.exec(id);
  if (!match) throw new Error(`malformed getEvents id ${JSON.stringify(id)}`);
  const toid = BigInt(match[1] as string);
  return {
    ledger: Number(toid >> 32n),
    txOrder: Number((toid >> 12n) & 0xfffffn),
    operationIndex: Number(toid & 0xfffn),
    eventIndex: Number(match[2]),
  };
}

/** The getEvents id of a place, e.g. `formatEventId(1000, 1, 0, 0)`. */
export function formatEventId(ledger: number, txOrder: number, operationIndex: number, eventIndex: number): string {
  const toid = (BigInt(ledger) << 32n) | (BigInt(txOrder) << 12n) | BigInt(operationIndex);
  return `${toid.toString().padStart(19, '0')}-${eventIndex.toString().padStart(10, '0')}`;
}

/** A cursor after every event of `ledger` (stellar-rpc's `MaxCursor` at that ledger). */
export function endOfLedgerCursor(ledger: number): string {
  return formatEventId(ledger, AFTER_ALL_TXS_ORDER, 0xfff, 0xffffffff);
}

/** The ledger of a getEvents id or cursor; undefined when it is not one. */
export function ledgerOfEventId(id: string): number | undefined {
  try {
    return parseEventId(id).ledger;
  } catch {
    return undefined;
  }
}

/** True for a cursor marking the end of a ledger's scan (short page), not an event's id. */
export function isEndOfLedgerCursor(id: string): boolean {
  const ledger = ledgerOfEventId(id);
  return ledger !== undefined && id === endOfLedgerCursor(ledger);
}
