import { setTimeout as sleep } from 'node:timers/promises';
import { createRpcClient, DATALAKE_HINT, RpcError, type RpcClient, type RpcClientOptions } from './rpc-client.ts';
import { SourceUnavailable } from './types.ts';
import { createRpcEventReader, endOfLedgerCursor, isEndOfLedgerCursor, ledgerOfEventId, type RpcEvent } from './rpc-event-id.ts';
import type { LedgerBatch, LedgerRange, LedgerSource } from './types.ts';

export interface GetEventsResponse {
  events: RpcEvent[];
  cursor?: string;
  latestLedger: number;
  oldestLedger?: number;
}

export interface RpcEventsSourceOptions extends RpcClientOptions {
  rpcUrl: string;
  /** Contract ids to watch; empty or `['*']` = every contract event. */
  contractIds: readonly string[];
  /** Events a page (default 10,000, the server's default max; lowered if the server says so). */
  pageLimit?: number;
  /** Follow mode: wait between polls of the tip (default 5,000 ms, one ledger). */
  pollIntervalMs?: number;
}

/** RPC scans at most this many ledgers a request. */
export const MAX_LEDGERS_PER_REQUEST = 10_000;
export const MAX_IDS_PER_FILTER = 5;
export const MAX_FILTERS_PER_REQUEST = 5;

/**
 * Contract events through Soroban RPC `getEvents`: the range is scanned in windows of at most
 * 10,000 ledgers (`startLedger`/`endLedger`, end exclusive), then `pagination.cursor` pages.
 * Contract ids are chunked to 5 a filter and 5 filters a request; more than 25 ids become
 * several request streams whose events are merged in ledger (id) order. Only complete ledgers
 * are yielded. Ledgers before the server's `oldestLedger` throw `SourceUnavailable`.
 *
 * @example
 * const source = createRpcEventsSource({ rpcUrl, contractIds: ['CC…'] });
 * for await (const batch of source.read({ from: 58_000_000, to: 58_000_100 })) handle(batch);
 */
export function createRpcEventsSource(options: RpcEventsSourceOptions): LedgerSource {
  const rpc = createRpcClient(options.rpcUrl, options);
  const streams = filterStreams(options.contractIds);
  const state = { limit: options.pageLimit ?? 10_000 };
  const pollMs = options.pollIntervalMs ?? 5_000;

  async function latestLedger(signal?: AbortSignal): Promise<number> {
    return (await rpc.call<{ sequence: number }>('getLatestLedger', undefined, signal)).sequence;
  }

  async function* read(range: LedgerRange, signal?: AbortSignal): AsyncIterable<LedgerBatch> {
    let pos = range.from;
    while (!signal?.aborted && (range.to === undefined || pos <= range.to)) {
      const tip = await latestLedger(signal);
      const last = range.to === undefined ? tip : Math.min(range.to, tip);
      if (pos > last) {
        // At the tip (follow mode, or a range ending in the future): wait for the next ledger.
        await sleep(pollMs, undefined, { signal }).catch(() => undefined);
        continue;
      }
      const windowEnd = Math.min(last, pos + MAX_LEDGERS_PER_REQUEST - 1);
      if (streams.length === 1) {
        for await (const span of readWindow(rpc, state, streams[0] ?? [], pos, windowEnd, signal)) yield toBatch(span);
      } else {
        const items: RpcEvent[] = [];
        for (const filters of streams) {
          for await (const span of readWindow(rpc, state, filters, pos, windowEnd, signal)) items.push(...span.items);
        }
        // Zero-padded ids sort in ledger, transaction, operation and event order.
        items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        yield toBatch({ from: pos, to: windowEnd, items: dedupeById(items) });
      }
      pos = windowEnd + 1;
    }
  }

  return { name: 'rpc-events', latestLedger: () => latestLedger(), read };
}

type Filter = { type: 'contract'; contractIds?: string[] };

/** Request streams: each a list of ≤ 5 filters of ≤ 5 contract ids. */
export function filterStreams(contractIds: readonly string[]): Filter[][] {
  const ids = [...new Set(contractIds)].filter((id) => id !== '*');
  if (ids.length === 0 || contractIds.includes('*')) return [[{ type: 'contract' }]];
  const filters: Filter[] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_FILTER) {
    filters.push({ type: 'contract', contractIds: ids.slice(i, i + MAX_IDS_PER_FILTER) });
  }
  const streams: Filter[][] = [];
  for (let i = 0; i < filters.length; i += MAX_FILTERS_PER_REQUEST) {
    streams.push(filters.slice(i, i + MAX_FILTERS_PER_REQUEST));
  }
  return streams;
}

interface Span {
  from: number;
  to: number;
  items: RpcEvent[];
}

function toBatch(span: Span): LedgerBatch {
  return {
    fromLedger: span.from,
    toLedger: span.to,
    transactions: 0,
    events: span.items.filter((item) => item.type !== 'diagnostic').map(createRpcEventReader()),
    cursor: endOfLedgerCursor(span.to),
  };
}

function dedupeById(items: RpcEvent[]): RpcEvent[] {
  return items.filter((item, i) => i === 0 || items[i - 1]?.id !== item.id);
}

/**
 * Pages through one window [from, to] for one filter set. A ledger is complete once an event of
 * a later ledger, or a scan end past it, has been seen; only complete ledgers are yielded.
 */
async function* readWindow(
  rpc: RpcClient,
  state: { limit: number },
  filters: Filter[],
  from: number,
  to: number,
  signal?: AbortSignal,
): AsyncIterable<Span> {
  let emittedTo = from - 1;
  let pending: RpcEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await getEventsPage(rpc, state, filters, from, to, cursor, signal);
    const inWindow = page.events.filter((item) => item.ledger <= to);
    pending.push(...inWindow);
    const full = page.events.length >= state.limit;
    const cursorLedger = page.cursor ? ledgerOfEventId(page.cursor) : undefined;
    const stalled = !page.cursor || page.cursor === cursor;
    if (inWindow.length < page.events.length || stalled || (!full && (cursorLedger === undefined || cursorLedger >= to))) {
      break;
    }
    // Short page whose scan ended before `to` (a server with a smaller scan limit), or a full page.
    const completeTo = Math.min(to, (full ? (inWindow.at(-1)?.ledger ?? from) : (cursorLedger ?? from)) - 1);
    if (completeTo > emittedTo) {
      yield { from: emittedTo + 1, to: completeTo, items: pending.filter((e) => e.ledger <= completeTo) };
      pending = pending.filter((e) => e.ledger > completeTo);
      emittedTo = completeTo;
    }
    cursor = page.cursor;
  }
  yield { from: emittedTo + 1, to, items: pending };
}

async function getEventsPage(
  rpc: RpcClient,
  state: { limit: number },
  filters: Filter[],
  from: number,
  to: number,
  cursor: string | undefined,
  signal?: AbortSignal,
): Promise<GetEventsResponse> {
  // stellar-rpc rejects a cursor together with startLedger or endLedger.
  const params =
    cursor === undefined
      ? { startLedger: from, endLedger: to + 1, filters, pagination: { limit: state.limit } }
      : { filters, pagination: { cursor, limit: state.limit } };
  let response: GetEventsResponse;
  try {
    response = await rpc.call<GetEventsResponse>('getEvents', params, signal);
  } catch (error) {
    if (!(error instanceof RpcError)) throw error;
    const max = /limit must not exceed (\d+)/.exec(error.message);
    if (max && Number(max[1]) < state.limit) {
      state.limit = Number(max[1]);
      return getEventsPage(rpc, state, filters, from, to, cursor, signal);
    }
    if (/oldest|ledger range|must be between/i.test(error.message)) {
      throw new SourceUnavailable(`RPC ${rpc.url} cannot serve ledger ${from}: ${error.message}; ${DATALAKE_HINT}`);
    }
    throw error;
  }
  if (cursor === undefined && response.oldestLedger !== undefined && from < response.oldestLedger) {
    throw new SourceUnavailable(
      `RPC ${rpc.url} keeps ledgers from ${response.oldestLedger} only (asked for ${from}); ${DATALAKE_HINT}`,
    );
  }
  return response;
}
