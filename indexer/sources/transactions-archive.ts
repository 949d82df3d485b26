import { readFile } from 'node:fs/promises';
import { eventsFromTransactionRecord, type TransactionRecord } from '../meta/transaction-events.ts';
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

interface Archive {
  records: TransactionRecord[];
  pseudoLedgerHint?: number;
}

/**
 * Offline replay of recorded `getTransactions` records: one `LedgerBatch` per ledger present in
 * the file (ledger order, application order inside a ledger), `transactions` counted, events
 * decoded from `resultMetaXdr`. Ledgers of the range absent from the file are yielded empty so
 * the batches have no holes.
 *
 * @example
 * const source = createTransactionsArchiveSource({ file: 'ledger-30820015.get-transactions.ndjson' });
 * const { from, to } = await archiveLedgerRange(source);
 */
export function createTransactionsArchiveSource(options: TransactionsArchiveOptions): LedgerSource & {
  /** The ledgers the file covers (`undefined` ledgers only: the pseudo-ledger). */
  ledgerRange(): Promise<{ from: number; to: number }>;
} {
  let loaded: Promise<Archive> | undefined;
  const archive = () => (loaded ??= loadArchive(options.file));

  async function ledgerOf(record: TransactionRecord, fallback: number): Promise<number> {
    return record.ledger ?? options.pseudoLedger ?? (await archive()).pseudoLedgerHint ?? fallback;
  }

  async function ledgerRange(): Promise<{ from: number; to: number }> {
    const { records } = await archive();
    const ledgers = await Promise.all(records.map((r) => ledgerOf(r, 0)));
    if (ledgers.length === 0) throw new SourceUnavailable(`${options.file} holds no transactions`);
    return { from: Math.min(...ledgers), to: Math.max(...ledgers) };
  }

  async function* read(range: LedgerRange, signal?: AbortSignal): AsyncIterable<LedgerBatch> {
    const { records } = await archive();
    const byLedger = new Map<number, TransactionRecord[]>();
    for (const record of records) {
      const ledger = await ledgerOf(record, range.from);
      if (ledger < range.from || (range.to !== undefined && ledger > range.to)) continue;
      const list = byLedger.get(ledger) ?? [];
      list.push(record);
      byLedger.set(ledger, list);
    }
    const last = range.to ?? Math.max(range.from - 1, ...byLedger.keys());
    let next = range.from;
    for (const ledger of [...byLedger.keys()].sort((a, b) => a - b)) {
      if (signal?.aborted) return;
      const list = (byLedger.get(ledger) ?? []).sort((a, b) => (a.applicationOrder ?? 0) - (b.applicationOrder ?? 0));
      if (ledger > next) yield { fromLedger: next, toLedger: ledger - 1, transactions: 0, events: [] };
      yield {
        fromLedger: ledger,
        toLedger: ledger,
        transactions: list.length,
        events: list.flatMap((record) =>
          eventsFromTransactionRecord(record, { ledger, ledgerClosedAt: UNKNOWN_CLOSE_TIME }),
        ),
      };
      next = ledger + 1;
    }
    if (next <= last && !signal?.aborted) yield { fromLedger: next, toLedger: last, transactions: 0, events: [] };
  }

  return { name: 'transactions-archive', latestLedger: async () => (await ledgerRange()).to, read, ledgerRange };
}

async function loadArchive(file: string): Promise<Archive> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SourceUnavailable(`cannot read archive ${file}: ${(error as Error).message}`);
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || (trimmed.startsWith('{') && !isNdjson(trimmed))) {
    const json = JSON.parse(text) as TransactionRecord[] | { records?: TransactionRecord[]; transactions?: TransactionRecord[]; source?: string };
    if (Array.isArray(json)) return { records: json };
    const hint = /startLedger=(\d+)/.exec(json.source ?? '');
    return { records: json.records ?? json.transactions ?? [], pseudoLedgerHint: hint ? Number(hint[1]) : undefined };
  }
  const records = trimmed
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as TransactionRecord;
      } catch {
        throw new SourceUnavailable(`${file}: line ${i + 1} is not JSON`);
      }
    });
  return { records };
}

function isNdjson(text: string): boolean {
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  try {
    JSON.parse(firstLine);
    return text.indexOf('\n') !== -1 && text.slice(firstLine.length).trim() !== '';
  } catch {
    return false;
  }
}
