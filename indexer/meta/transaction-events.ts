import { StrKey, xdr } from '@stellar/stellar-sdk';
import { TRANSACTION_EVENT_STAGES, type RawContractEvent } from '../sources/types.ts';

/** Where a transaction's meta sits: its ledger, close time, hash and outcome. */
export interface TransactionContext {
  ledger: number;
  /** ISO-8601 close time of the ledger. */
  ledgerClosedAt: string;
  txHash: string;
  successful: boolean;
}

/**
 * `operationIndex` given to transaction-level events (meta v4 `events`, e.g. `fee`): the TOID
 * operation slot stellar-rpc gives events after a transaction, never a real operation index
 * (≤ 100 operations a transaction). Their identity is their stage and their index among the
 * transaction's events of that stage.
 */
export const TRANSACTION_LEVEL_OPERATION_INDEX = 0xfff;

/** A `getTransactions` record (Soroban RPC) or one line of an archive of them. */
export interface TransactionRecord {
  status?: string;
  txHash: string;
  ledger?: number;
  /** Unix seconds (number or decimal string) of the ledger close. */
  createdAt?: number | string;
  applicationOrder?: number;
  feeBump?: boolean;
  envelopeXdr?: string;
  resultXdr?: string;
  resultMetaXdr: string;
}

/**
 * Contract events of one transaction from its `TransactionMeta`: meta v3 `sorobanMeta.events`
 * (operation 0), meta v4 `operations[i].events` (operation i) and v4 transaction-level `events`
 * (their CAP-67 stage). The event index restarts per operation, as in RPC `getEvents` ids, and
 * per stage for transaction-level events. Events of failed transactions (only fee events since
 * protocol 23) are kept with `inSuccessfulContractCall: false`.
 *
 * @example
 * const events = eventsFromTransactionMeta(record.resultMetaXdr, {
 *   ledger: 63800108, ledgerClosedAt: '2026-08-04T20:00:00Z', txHash, successful: true,
 * });
 */
export function eventsFromTransactionMeta(
  meta: string | xdr.TransactionMeta,
  ctx: TransactionContext,
): RawContractEvent[] {
  const decoded = typeof meta === 'string' ? xdr.TransactionMeta.fromXdr(meta, 'base64') : meta;
  const out: RawContractEvent[] = [];
  switch (decoded.type) {
    case 'operations':
    case 'v1':
    case 'v2':
      return out;
    case 'v3': {
      const events = decoded.v3.sorobanMeta?.events ?? [];
      events.forEach((event, i) => pushEvent(out, event, ctx, 0, i, 'operation'));
      return out;
    }
    case 'v4': {
      const v4 = decoded.v4;
      v4.operations.forEach((op, opIndex) =>
        op.events.forEach((event, i) => pushEvent(out, event, ctx, opIndex, i, 'operation')),
      );
      const perStage = [0, 0, 0];
      for (const txEvent of v4.events) {
        const stage = txEvent.stage.value;
        const index = perStage[stage]!;
        perStage[stage] = index + 1;
        pushEvent(out, txEvent.event, ctx, TRANSACTION_LEVEL_OPERATION_INDEX, index, stageOf(stage));
      }
      return out;
    }
    default: {
      const never: never = decoded;
      throw new Error(`unknown TransactionMeta variant ${String((never as { type: unknown }).type)}`);
    }
  }
}

/**
 * Contract events of a `getTransactions` record. `ledger` and `createdAt` come from the record
 * (or from `fallback` when an archive left them out); `status` other than SUCCESS marks the
 * events as not in a successful contract call.
 */
export function eventsFromTransactionRecord(
  record: TransactionRecord,
  fallback: { ledger?: number; ledgerClosedAt?: string } = {},
): RawContractEvent[] {
  const ledger = record.ledger ?? fallback.ledger ?? 0;
  const ledgerClosedAt =
    record.createdAt !== undefined ? unixToIso(record.createdAt) : (fallback.ledgerClosedAt ?? '');
  return eventsFromTransactionMeta(record.resultMetaXdr, {
    ledger,
    ledgerClosedAt,
    txHash: record.txHash,
    successful: (record.status ?? 'SUCCESS') === 'SUCCESS',
  });
}

/** The stage of an XDR `TransactionEventStage` value; throws on a value newer than this code. */
export function stageOf(value: number): (typeof TRANSACTION_EVENT_STAGES)[number] {
  const stage = TRANSACTION_EVENT_STAGES[value];
  if (stage === undefined) throw new RangeError(`unknown TransactionEventStage ${value}`);
  return stage;
}

/** Unix seconds → ISO-8601 without milliseconds, the way RPC prints `ledgerClosedAt`. */
export function unixToIso(seconds: number | string | bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace('.000Z', 'Z');
}

function pushEvent(
  out: RawContractEvent[],
  event: xdr.ContractEvent,
  ctx: TransactionContext,
  operationIndex: number,
  eventIndex: number,
  stage: RawContractEvent['stage'],
): void {
  const body = event.body.v0;
  out.push({
    ledger: ctx.ledger,
    ledgerClosedAt: ctx.ledgerClosedAt,
    txHash: ctx.txHash,
    operationIndex,
    eventIndex,
    contractId: event.contractId ? StrKey.encodeContract(event.contractId.value) : '',
    topics: body.topics.map((t) => t.toXdr('base64')),
    value: body.data.toXdr('base64'),
    inSuccessfulContractCall: ctx.successful,
    stage,
  });
}
