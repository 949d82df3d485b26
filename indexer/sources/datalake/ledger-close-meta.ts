import { StrKey, xdr } from '@stellar/stellar-sdk';
import { stageOf, TRANSACTION_LEVEL_OPERATION_INDEX, unixToIso } from '../../meta/transaction-events.ts';
import type { RawContractEvent } from '../types.ts';
import { fieldSchema, skipperOf, type Skip, type XdrType } from './xdr-skip.ts';

/** What the indexer needs from one `LedgerCloseMeta`. */
export interface LedgerSummary {
  ledger: number;
  /** ISO-8601 close time. */
  closedAt: string;
  /** Transactions applied, failed ones included. */
  transactions: number;
  events: RawContractEvent[];
}

export interface BatchSummary {
  startSequence: number;
  endSequence: number;
  ledgers: LedgerSummary[];
}

type Handlers = Record<string, (offset: number) => number>;

const schemas = {
  batch: xdr.LedgerCloseMetaBatch.schema as XdrType,
  closeMeta: xdr.LedgerCloseMeta.schema as XdrType,
  headerEntry: xdr.LedgerHeaderHistoryEntry.schema as XdrType,
  header: xdr.LedgerHeader.schema as XdrType,
  stellarValue: xdr.StellarValue.schema as XdrType,
  resultPair: xdr.TransactionResultPair.schema as XdrType,
  result: xdr.TransactionResult.schema as XdrType,
  meta: xdr.TransactionMeta.schema as XdrType,
  sorobanMeta: xdr.SorobanTransactionMeta.schema as XdrType,
  operationMetaV2: xdr.OperationMetaV2.schema as XdrType,
  transactionEvent: xdr.TransactionEvent.schema as XdrType,
  contractEvent: xdr.ContractEvent.schema as XdrType,
  scVal: xdr.ScVal.schema as XdrType,
  extensionPoint: xdr.ExtensionPoint.schema as XdrType,
};

const skip = {
  // First: one generated module for everything the batch reaches; the others reuse it.
  batch: skipperOf(schemas.batch),
  resultResult: skipperOf(fieldSchema(schemas.result, 'result')),
  meta: skipperOf(schemas.meta),
  scVal: skipperOf(schemas.scVal),
  extensionPoint: skipperOf(schemas.extensionPoint),
};

/**
 * Reads a decompressed SEP-54 `LedgerCloseMetaBatch` without building the SDK's object tree:
 * per ledger its sequence, close time, transaction count and contract events (the same events,
 * with the same identity, as `eventsFromTransactionMeta` gives for each transaction's meta).
 * Handles LedgerCloseMeta v0, v1 and v2 and TransactionMeta v0–v4.
 *
 * @example
 * const { ledgers } = readLedgerCloseMetaBatch(zlib.zstdDecompressSync(object));
 */
export function readLedgerCloseMetaBatch(input: Uint8Array): BatchSummary {
  const bytes = asBuffer(input);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const summary: BatchSummary = { startSequence: 0, endSequence: 0, ledgers: [] };
  const end = walkStruct(schemas.batch, view, 0, {
    startSequence: (o) => ((summary.startSequence = view.getUint32(o)), o + 4),
    endSequence: (o) => ((summary.endSequence = view.getUint32(o)), o + 4),
    ledgerCloseMetas: (o) => eachOf(view, o, (at) => readCloseMeta(bytes, view, at, summary.ledgers)),
  });
  if (end !== bytes.byteLength) throw new RangeError(`LedgerCloseMetaBatch: ${bytes.byteLength - end} trailing bytes`);
  return summary;
}

function readCloseMeta(bytes: Buffer, view: DataView, offset: number, out: LedgerSummary[]): number {
  const version = view.getInt32(offset);
  const arm = unionArm(schemas.closeMeta, version);
  const ledger: LedgerSummary = { ledger: 0, closedAt: '', transactions: 0, events: [] };
  const txSchema = (fieldSchema(arm, 'txProcessing') as unknown as { element: XdrType }).element;
  const end = walkStruct(arm, view, offset + 4, {
    ledgerHeader: (o) => readHeaderEntry(view, o, ledger),
    txProcessing: (o) =>
      eachOf(view, o, (at, i) => {
        ledger.transactions++;
        return readTransactionResultMeta(txSchema, bytes, view, at, i, ledger);
      }),
  });
  out.push(ledger);
  return end;
}

function readHeaderEntry(view: DataView, offset: number, ledger: LedgerSummary): number {
  return walkStruct(schemas.headerEntry, view, offset, {
    header: (o) =>
      walkStruct(schemas.header, view, o, {
        scpValue: (s) =>
          walkStruct(schemas.stellarValue, view, s, {
            closeTime: (c) => ((ledger.closedAt = unixToIso(view.getBigUint64(c))), c + 8),
          }),
        ledgerSeq: (s) => ((ledger.ledger = view.getUint32(s)), s + 4),
      }),
  });
}

function readTransactionResultMeta(
  schema: XdrType,
  bytes: Buffer,
  view: DataView,
  offset: number,
  _index: number,
  ledger: LedgerSummary,
): number {
  let txHash = '';
  let successful = false;
  return walkStruct(schema, view, offset, {
    result: (o) =>
      walkStruct(schemas.resultPair, view, o, {
        transactionHash: (h) => ((txHash = hex(bytes, h, 32)), h + 32),
        result: (r) =>
          walkStruct(schemas.result, view, r, {
            result: (code) => {
              const c = view.getInt32(code);
              successful = c === 0 || c === 1; // txSuccess, txFeeBumpInnerSuccess
              return skip.resultResult(view, code);
            },
          }),
      }),
    txApplyProcessing: (o) =>
      readTransactionMeta(bytes, view, o, { ledger: ledger.ledger, ledgerClosedAt: ledger.closedAt, txHash, successful }, ledger.events),
  });
}

interface Context {
  ledger: number;
  ledgerClosedAt: string;
  txHash: string;
  successful: boolean;
}

/**
 * Contract events of one raw `TransactionMeta` (XDR bytes), read without the SDK's object tree;
 * same result as `eventsFromTransactionMeta`.
 */
export function eventsFromTransactionMetaBytes(input: Uint8Array, ctx: Context): RawContractEvent[] {
  const bytes = asBuffer(input);
  const out: RawContractEvent[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  readTransactionMeta(bytes, view, 0, ctx, out);
  return out;
}

function readTransactionMeta(bytes: Buffer, view: DataView, offset: number, ctx: Context, out: RawContractEvent[]): number {
  const version = view.getInt32(offset);
  const arm = unionArm(schemas.meta, version);
  if (version === 3) {
    return walkStruct(arm, view, offset + 4, {
      sorobanMeta: (o) =>
        view.getUint32(o) === 0
          ? o + 4
          : walkStruct(schemas.sorobanMeta, view, o + 4, {
              events: (e) => eachOf(view, e, (at, i) => readContractEvent(bytes, view, at, ctx, 0, i, 'operation', out)),
            }),
    });
  }
  if (version === 4) {
    return walkStruct(arm, view, offset + 4, {
      operations: (o) =>
        eachOf(view, o, (op, opIndex) =>
          walkStruct(schemas.operationMetaV2, view, op, {
            events: (e) => eachOf(view, e, (at, i) => readContractEvent(bytes, view, at, ctx, opIndex, i, 'operation', out)),
          }),
        ),
      events: (o) => {
        const perStage = [0, 0, 0];
        let stage = 0;
        return eachOf(view, o, (te) =>
          walkStruct(schemas.transactionEvent, view, te, {
            stage: (at) => ((stage = view.getInt32(at)), at + 4),
            event: (at) => {
              const index = perStage[stage] ?? 0;
              perStage[stage] = index + 1;
              return readContractEvent(bytes, view, at, ctx, TRANSACTION_LEVEL_OPERATION_INDEX, index, stageOf(stage), out);
            },
          }),
        );
      },
    });
  }
  return skip.meta(view, offset);
}

function readContractEvent(
  bytes: Buffer,
  view: DataView,
  offset: number,
  ctx: Context,
  operationIndex: number,
  eventIndex: number,
  stage: RawContractEvent['stage'],
  out: RawContractEvent[],
): number {
  let at = skip.extensionPoint(view, offset);
  let contractId = '';
  if (view.getUint32(at) !== 0) {
    contractId = StrKey.encodeContract(bytes.subarray(at + 4, at + 36));
    at += 36;
  } else {
    at += 4;
  }
  at += 4; // ContractEventType
  if (view.getInt32(at) !== 0) throw new RangeError(`ContractEventBody: unknown version ${view.getInt32(at)}`);
  at += 4;
  const count = view.getUint32(at);
  at += 4;
  const topics: string[] = [];
  for (let i = 0; i < count; i++) {
    const next = skip.scVal(view, at);
    topics.push(base64(bytes, at, next));
    at = next;
  }
  const next = skip.scVal(view, at);
  out.push({
    ledger: ctx.ledger,
    ledgerClosedAt: ctx.ledgerClosedAt,
    txHash: ctx.txHash,
    operationIndex,
    eventIndex,
    contractId,
    topics,
    value: base64(bytes, at, next),
    inSuccessfulContractCall: ctx.successful,
    stage,
  });
  return next;
}

const plans = new Map<XdrType, { name: string; skip: Skip }[]>();

function walkStruct(schema: XdrType, view: DataView, offset: number, handlers: Handlers): number {
  let plan = plans.get(schema);
  if (!plan) {
    const entries = (schema as unknown as { entries: ReadonlyArray<readonly [string, XdrType]> }).entries;
    plan = entries.map(([name, field]) => ({ name, skip: skipperOf(field) }));
    plans.set(schema, plan);
  }
  let at = offset;
  for (let i = 0; i < plan.length; i++) {
    const step = plan[i] as { name: string; skip: Skip };
    const handler = handlers[step.name];
    at = handler === undefined ? step.skip(view, at) : handler(at);
  }
  return at;
}

function eachOf(view: DataView, offset: number, read: (offset: number, index: number) => number): number {
  const count = view.getUint32(offset);
  let at = offset + 4;
  for (let i = 0; i < count; i++) at = read(at, i);
  return at;
}

const armCache = new Map<XdrType, Map<number, XdrType>>();

function unionArm(union: XdrType, discriminant: number): XdrType {
  let arms = armCache.get(union);
  if (!arms) {
    arms = new Map();
    for (const c of (union as unknown as { cases: { discriminant: unknown; arm: { schema?: XdrType } }[] }).cases) {
      if (c.arm.schema) arms.set(Number(c.discriminant), c.arm.schema);
    }
    armCache.set(union, arms);
  }
  const arm = arms.get(discriminant);
  if (!arm) throw new RangeError(`${union.name ?? 'union'}: unsupported version ${discriminant}`);
  return arm;
}

function hex(bytes: Buffer, offset: number, length: number): string {
  return bytes.toString('hex', offset, offset + length);
}

function base64(bytes: Buffer, start: number, end: number): string {
  return bytes.toString('base64', start, end);
}

/** One Buffer view over the input, so hex and base64 slices allocate no Buffer each. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
