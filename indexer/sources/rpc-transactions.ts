import { setTimeout as sleep } from 'node:timers/promises';
import { eventsFromTransactionRecord, type TransactionRecord } from '../meta/transaction-events.ts';
import { createRpcClient, type RpcClientOptions } from './rpc-client.ts';
import { retentionGap, startError } from './rpc-range.ts';
import type { LedgerBatch, LedgerRange, LedgerSource } from './types.ts';

export interface RpcTransactionsSourceOptions extends RpcClientOptions {
  rpcUrl: string;
  /** Records a page, at most 200 (the server's max; default 200). */
  pageLimit?: number;
  /** Follow mode: wait between polls of the tip (default 5,000 ms). */
  pollIntervalMs?: number;
}

interface GetTransactionsResponse {
  transactions: (TransactionRecord & { ledger: number })[];
  latestLedger: number;
  oldestLedger?: number;
  cursor?: string;
}

/**
 * Every transaction through Soroban RPC `getTransactions` (`startLedger`, then the cursor alone),
 * each `resultMetaXdr` decoded into contract events; failed transactions included and marked.
 * A ledger is yielded once a record of a later ledger (or a short page, which reaches the
 * answering node's `latestLedger`) shows it complete; `transactions` counts its records. A start
 * the node has not reached is waited for; one before its `oldestLedger` throws `RetentionGap`.
 *
 * @example
 * const source = createRpcTransactionsSource({ rpcUrl: 'https://soroban-testnet.stellar.org' });
 */
export function createRpcTransactionsSource(options: RpcTransactionsSourceOptions): LedgerSource {
  const rpc = createRpcClient(options.rpcUrl, options);
  const limit = Math.min(200, options.pageLimit ?? 200);
  const pollMs = options.pollIntervalMs ?? 5_000;

  async function latestLedger(): Promise<number> {
    return (await rpc.call<{ sequence: number }>('getLatestLedger')).sequence;
  }

  async function page(from: number, cursor: string | undefined, signal?: AbortSignal): Promise<GetTransactionsResponse | 'not-yet'> {
    const params = cursor === undefined ? { startLedger: from, pagination: { limit } } : { pagination: { cursor, limit } };
    let response: GetTransactionsResponse;
    try {
      response = await rpc.call<GetTransactionsResponse>('getTransactions', params, signal);
    } catch (error) {
      return startError(rpc, error, from, signal);
    }
    if (cursor === undefined && response.oldestLedger !== undefined && from < response.oldestLedger) {
      throw retentionGap(rpc, from, response.oldestLedger);
    }
    return response;
  }

  async function* read(range: LedgerRange, signal?: AbortSignal): AsyncIterable<LedgerBatch> {
    const to = range.to ?? Number.POSITIVE_INFINITY;
    let emittedTo = range.from - 1;
    let pending: GetTransactionsResponse['transactions'] = [];
    let cursor: string | undefined;
    while (!signal?.aborted && emittedTo < to) {
      if (cursor === undefined && emittedTo + 1 > (await latestLedger())) {
        await sleep(pollMs, undefined, { signal }).catch(() => undefined);
        continue;
      }
      const response = await page(emittedTo + 1, cursor, signal);
      if (response === 'not-yet') {
        // The node that answered is behind: wait for it rather than count its silence as empty.
        await sleep(pollMs, undefined, { signal }).catch(() => undefined);
        continue;
      }
      const records = response.transactions.filter((r) => r.ledger > emittedTo);
      pending.push(...records.filter((r) => r.ledger <= to));
      const full = response.transactions.length >= limit;
      const pastRange = records.some((r) => r.ledger > to);
      // Full page: the last record's ledger may continue on the next page. Short page: every
      // ledger up to the server's latest was scanned.
      const completeTo = Math.min(to, pastRange ? to : full ? (records.at(-1)?.ledger ?? emittedTo + 1) - 1 : response.latestLedger);
      if (completeTo > emittedTo) {
        yield toBatch(emittedTo + 1, completeTo, pending.filter((r) => r.ledger <= completeTo));
        pending = pending.filter((r) => r.ledger > completeTo);
        emittedTo = completeTo;
      }
      if (response.cursor) cursor = response.cursor;
      if (!full && emittedTo < to) await sleep(pollMs, undefined, { signal }).catch(() => undefined);
    }
  }

  return { name: 'rpc-transactions', latestLedger, read };
}

function toBatch(from: number, to: number, records: TransactionRecord[]): LedgerBatch {
  return {
    fromLedger: from,
    toLedger: to,
    transactions: records.length,
    events: records.flatMap((record) => eventsFromTransactionRecord(record)),
  };
}
