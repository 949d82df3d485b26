import { eventsFromTransactionRecord, type TransactionRecord } from '../meta/transaction-events.ts';
import { archiveValues } from './archive-file.ts';
import type { JsonPath } from './json-stream.ts';
import { SourceUnavailable } from './types.ts';
import type { LedgerBatch, LedgerRange, LedgerSource } from './types.ts';

export interface TransactionsArchiveOptions {
  /** NDJSON of `getTransactions` records, a JSON array of them, or JSON `{ records: [...] }`. */
  file: string;
  /**
   * Ledger given to records without a `ledger` field (the shared fixture rpc-get-transactions.json
   * has none): they form one pseudo-ledger. Default: `startLedger=N` found in the file's `source`
   * field, else the first ledger asked for.
   */
  pseudoLedger?: number;
}

/** Close time given to records without `createdAt`: the epoch, plainly a placeholder. */
export const UNKNOWN_CLOSE_TIME = '1970-01-01T00:00:00Z';

/** What one pass over the file learns: the ledgers it covers and the pseudo-ledger hint. */
interface Scan {
  from: number;
  to: number;
  records: number;
  pseudoLedgerHint?: number;
}

/** Records: NDJSON lines or top-level array elements, or `records[]` / `transactions[]` of one object; and that object's `source`. */
const recordPaths = (p: JsonPath): boolean =>
  (p.length === 1 && (typeof p[0] === 'number' || p[0] === 'source')) ||
  (p.length === 2 && (p[0] === 'records' || p[0] === 'transactions') && typeof p[1] === 'number');

async function* recordsOf(file: string, onSource?: (source: unknown) => void): AsyncIterable<TransactionRecord> {
  for await (const { path, value } of archiveValues(file, recordPaths)) {
    if (path[0] === 'source') onSource?.(value);
    else yield value as TransactionRecord;
  }
}

/**
 * Offline replay of recorded `getTransactions` records, read as a stream (NDJSON line by line, a
 * JSON array one record at a time): one `LedgerBatch` per ledger present in the file (ledger
 * order, application order inside a ledger), `transactions` counted, events decoded from
 * `resultMetaXdr`. Records must be in ledger order, as getTransactions returns them. Ledgers of
 * the range absent from the file are yielded empty so the batches have no holes.
 *
 * @example
 * const source = createTransactionsArchiveSource({ file: 'ledger-30820015.get-transactions.ndjson' });
 * const { from, to } = await archiveLedgerRange(source);
 */
export function createTransactionsArchiveSource(options: TransactionsArchiveOptions): LedgerSource & {
  /** The ledgers the file covers (`undefined` ledgers only: the pseudo-ledger). */
  ledgerRange(): Promise<{ from: number; to: number }>;
} {
  let scanned: Promise<Scan> | undefined;
  const scan = () => (scanned ??= scanArchive(options));

  async function ledgerRange(): Promise<{ from: number; to: number }> {
    const { from, to, records } = await scan();
    if (records === 0) throw new SourceUnavailable(`${options.file} holds no transactions`);
    return { from, to };
  }

  async function* read(range: LedgerRange, signal?: AbortSignal): AsyncIterable<LedgerBatch> {
    const pseudo = options.pseudoLedger ?? (await scan()).pseudoLedgerHint ?? range.from;
    let next = range.from;
    type Group = { ledger: number; records: TransactionRecord[] };
    let current = null as Group | null;
    const batchOf = ({ ledger, records }: Group): LedgerBatch => {
      const list = records.sort((a, b) => (a.applicationOrder ?? 0) - (b.applicationOrder ?? 0));
      return {
        fromLedger: ledger,
        toLedger: ledger,
        transactions: list.length,
        events: list.flatMap((record) => eventsFromTransactionRecord(record, { ledger, ledgerClosedAt: UNKNOWN_CLOSE_TIME })),
      };
    };
    for await (const record of recordsOf(options.file)) {
      if (signal?.aborted) return;
      const ledger = record.ledger ?? pseudo;
      if (ledger < range.from) continue;
      if (range.to !== undefined && ledger > range.to) break;
      if (current && ledger < current.ledger) throw new SourceUnavailable(`${options.file} is not in ledger order: ledger ${ledger} after ${current.ledger}`);
      if (current?.ledger === ledger) {
        current.records.push(record);
        continue;
      }
      if (current) (yield batchOf(current), (next = current.ledger + 1));
      if (ledger > next) yield { fromLedger: next, toLedger: ledger - 1, transactions: 0, events: [] };
      current = { ledger, records: [record] };
    }
    if (signal?.aborted) return;
    if (current) (yield batchOf(current), (next = current.ledger + 1));
    const last = range.to ?? next - 1;
    if (next <= last) yield { fromLedger: next, toLedger: last, transactions: 0, events: [] };
  }

  return { name: 'transactions-archive', latestLedger: async () => (await ledgerRange()).to, read, ledgerRange };
}

async function scanArchive(options: TransactionsArchiveOptions): Promise<Scan> {
  let hint: number | undefined;
  let from = Infinity;
  let to = -Infinity;
  let records = 0;
  let withoutLedger = 0;
  for await (const record of recordsOf(options.file, (source) => {
    const match = /startLedger=(\d+)/.exec(typeof source === 'string' ? source : '');
    if (match) hint = Number(match[1]);
  })) {
    records++;
    if (record.ledger === undefined) withoutLedger++;
    else (from = Math.min(from, record.ledger)), (to = Math.max(to, record.ledger));
  }
  if (withoutLedger > 0) {
    const pseudo = options.pseudoLedger ?? hint ?? 0;
    (from = Math.min(from, pseudo)), (to = Math.max(to, pseudo));
  }
  return { from, to, records, pseudoLedgerHint: hint };
}
