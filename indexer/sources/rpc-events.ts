import { setTimeout as sleep } from 'node:timers/promises';
import { createRpcClient, RpcError, type RpcClient, type RpcClientOptions } from './rpc-client.ts';
import { retentionGap, startError } from './rpc-range.ts';
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
 * are yielded, and only as far as the answering node's `latestLedger` (a node behind the range
 * is waited for, never read as empty). Ledgers before its `oldestLedger` throw `RetentionGap`.
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

  const wait = (signal?: AbortSignal) => sleep(pollMs, undefined, { signal }).catch(() => undefined);

  async function* read(range: LedgerRange, signal?: AbortSignal): AsyncIterable<LedgerBatch> {
    let pos = range.from;
    while (!signal?.aborted && (range.to === undefined || pos <= range.to)) {
      const tip = await latestLedger(signal);
      const last = range.to === undefined ? tip : Math.min(range.to, tip);
      if (pos > last) {
        // At the tip (follow mode, or a range ending in the future): wait for the next ledger.
        await wait(signal);
        continue;
      }
      const windowEnd = Math.min(last, pos + MAX_LEDGERS_PER_REQUEST - 1);
      let reached = pos - 1;
      if (streams.length === 1) {
        for await (const span of readWindow(rpc, state, streams[0] ?? [], pos, windowEnd, signal)) {
          yield toBatch(span);
          reached = span.to;
        }
      } else {
        const perStream: Span[][] = [];
        for (const filters of streams) {
          const spans: Span[] = [];
          for await (const span of readWindow(rpc, state, filters, pos, windowEnd, signal)) spans.push(span);
          perStream.push(spans);
        }
        // Complete only as far as every stream's answering node got.
        reached = Math.min(...perStream.map((spans) => spans.at(-1)?.to ?? pos - 1));
        const upTo = reached;
        const items = perStream.flat().flatMap((span) => span.items).filter((item) => item.ledger <= upTo);
        // Zero-padded ids sort in ledger, transaction, operation and event order.
        items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        if (reached >= pos) yield toBatch({ from: pos, to: reached, items: dedupeById(items) });
      }
      // The node that answered is behind the tip we were shown: the rest is "not yet", not "empty".
      if (reached < windowEnd) await wait(signal);
      pos = reached + 1;
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
 * Pages through one window [from, to] for one filter set, yielding only ledgers the answering
 * node has shown complete: those before the last event of a full page, or up to the end-of-scan
 * cursor of a short page, never past the response's `latestLedger`. It returns early, short of
 * `to`, when the node has nothing more yet (a lagging node behind a load balancer).
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
    const page = await getEventsPage(rpc, state, filters, emittedTo + 1, to, cursor, signal);
    if (page === 'not-yet') return;
    const inWindow = page.events.filter((item) => item.ledger <= to);
    pending.push(...inWindow);
    const completeTo = Math.min(to, scannedThrough(page, inWindow.length < page.events.length, page.events.length >= state.limit, from));
    if (completeTo > emittedTo) {
      yield { from: emittedTo + 1, to: completeTo, items: pending.filter((e) => e.ledger <= completeTo) };
      pending = pending.filter((e) => e.ledger > completeTo);
      emittedTo = completeTo;
    }
    if (emittedTo >= to || !page.cursor || page.cursor === cursor) return;
    cursor = page.cursor;
  }
}

/** The last ledger a getEvents page shows complete. */
function scannedThrough(page: GetEventsResponse, pastWindow: boolean, full: boolean, from: number): number {
  if (pastWindow) return Number.POSITIVE_INFINITY;
  // A full page may stop inside the ledger of its last event.
  if (full) return (page.events.at(-1)?.ledger ?? from) - 1;
  const cursorLedger = page.cursor ? ledgerOfEventId(page.cursor) : undefined;
  if (cursorLedger === undefined) return page.latestLedger;
  const scanned = page.cursor && isEndOfLedgerCursor(page.cursor) ? cursorLedger : cursorLedger - 1;
  return Math.min(scanned, page.latestLedger);
}

async function getEventsPage(
  rpc: RpcClient,
  state: { limit: number },
  filters: Filter[],
  from: number,
  to: number,
  cursor: string | undefined,
  signal?: AbortSignal,
): Promise<GetEventsResponse | 'not-yet'> {
  // stellar-rpc rejects a cursor together with startLedger or endLedger.
  const params =
    cursor === undefined
      ? { startLedger: from, endLedger: to + 1, filters, pagination: { limit: state.limit } }
      : { filters, pagination: { cursor, limit: state.limit } };
  let response: GetEventsResponse;
  try {
    response = await rpc.call<GetEventsResponse>('getEvents', params, signal);
  } catch (error) {
    const max = error instanceof RpcError ? /limit must not exceed (\d+)/.exec(error.message) : null;
    if (max && Number(max[1]) < state.limit) {
      state.limit = Number(max[1]);
      return getEventsPage(rpc, state, filters, from, to, cursor, signal);
    }
    return startError(rpc, error, from, signal);
  }
  if (cursor === undefined && response.oldestLedger !== undefined && from < response.oldestLedger) {
    throw retentionGap(rpc, from, response.oldestLedger);
  }
  return response;
}
