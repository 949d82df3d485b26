import { setTimeout as sleep } from 'node:timers/promises';
import { eventsFromTransactionMeta, unixToIso } from '../meta/transaction-events.ts';
import { withRetries, type RetryOptions } from './rpc-client.ts';
import { SourceUnavailable } from './types.ts';
import type { LedgerBatch, LedgerRange, LedgerSource, RawContractEvent } from './types.ts';

export interface HorizonSourceOptions extends RetryOptions {
  /** e.g. `http://localhost:8000` for a self-hosted Horizon that still serves `result_meta_xdr`. */
  horizonUrl: string;
  /** Follow mode: wait between polls of the tip (default 5,000 ms). */
  pollIntervalMs?: number;
}

interface HorizonTransaction {
  hash: string;
  ledger?: number;
  created_at?: string;
  successful?: boolean;
  paging_token?: string;
  result_meta_xdr?: string;
}

interface HorizonPage {
  _embedded?: { records?: HorizonTransaction[] };
  _links?: { next?: { href?: string } };
}

export const HORIZON_NO_META =
  'this Horizon does not serve result_meta_xdr (public Horizon stopped serving transaction meta), so contract events cannot be read from it; use --source rpc, transactions or datalake, or a self-hosted Horizon that still serves it';

const PAGE_LIMIT = 200;

/**
 * Contract events through Horizon: `/ledgers/{n}/transactions?include_failed=true&limit=200`,
 * following `paging_token` cursors, decoding each record's `result_meta_xdr`. A record without
 * `result_meta_xdr` throws `SourceUnavailable` with {@link HORIZON_NO_META}.
 *
 * @example
 * const source = createHorizonSource({ horizonUrl: 'http://localhost:8000' });
 */
export function createHorizonSource(options: HorizonSourceOptions): LedgerSource {
  const base = options.horizonUrl.replace(/\/+$/, '');
  const pollMs = options.pollIntervalMs ?? 5_000;

  async function getJson<T>(path: string, signal?: AbortSignal): Promise<T | undefined> {
    const url = `${base}${path}`;
    return withRetries(`GET ${url}`, options, signal, async () => {
      const response = await fetch(url, { headers: { accept: 'application/hal+json, application/json' }, signal });
      if (response.status === 429 || response.status >= 500) {
        await response.body?.cancel();
        return { retry: true, status: response.status, retryAfter: response.headers.get('retry-after') };
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return { retry: false, value: undefined };
      }
      if (!response.ok) throw new SourceUnavailable(`GET ${url}: HTTP ${response.status}`);
      return { retry: false, value: (await response.json()) as T };
    });
  }

  async function latestLedger(): Promise<number> {
    const root = await getJson<{ history_latest_ledger?: number; core_latest_ledger?: number }>('/');
    const latest = root?.history_latest_ledger ?? root?.core_latest_ledger;
    if (latest === undefined) throw new SourceUnavailable(`${base} does not look like Horizon (no history_latest_ledger)`);
    return latest;
  }

  async function readLedger(ledger: number, signal?: AbortSignal): Promise<LedgerBatch> {
    const events: RawContractEvent[] = [];
    let transactions = 0;
    let cursor = '';
    for (;;) {
      const path = `/ledgers/${ledger}/transactions?include_failed=true&limit=${PAGE_LIMIT}&order=asc${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await getJson<HorizonPage>(path, signal);
      if (!page) throw new SourceUnavailable(`Horizon ${base} has no ledger ${ledger} (outside its history?)`);
      const records = page._embedded?.records ?? [];
      for (const record of records) {
        if (!record.result_meta_xdr) throw new SourceUnavailable(`Horizon ${base}: ${HORIZON_NO_META}`);
        transactions++;
        events.push(
          ...eventsFromTransactionMeta(record.result_meta_xdr, {
            ledger: record.ledger ?? ledger,
            ledgerClosedAt: record.created_at ? unixToIso(Date.parse(record.created_at) / 1000) : '',
            txHash: record.hash,
            successful: record.successful !== false,
          }),
        );
      }
      const last = records.at(-1)?.paging_token;
      if (records.length < PAGE_LIMIT || !last) break;
      cursor = last;
    }
    return { fromLedger: ledger, toLedger: ledger, transactions, events };
  }

  async function* read(range: LedgerRange, signal?: AbortSignal): AsyncIterable<LedgerBatch> {
    let next = range.from;
    let tip = await latestLedger();
    while (!signal?.aborted && (range.to === undefined || next <= range.to)) {
      if (next > tip) {
        await sleep(pollMs, undefined, { signal }).catch(() => undefined);
        tip = await latestLedger();
        continue;
      }
      yield await readLedger(next, signal);
      next++;
    }
  }

  return { name: 'horizon', latestLedger, read };
}
