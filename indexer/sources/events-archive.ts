import { archiveValues } from './archive-file.ts';
import type { JsonPath } from './json-stream.ts';
import { createRpcEventReader, type RpcEvent } from './rpc-event-id.ts';
import { SourceUnavailable, type LedgerBatch, type LedgerRange, type LedgerSource, type RawContractEvent } from './types.ts';

/** One item of Soroban RPC `getEvents` `events[]` (REFERENCES.md). */
export type GetEventsItem = RpcEvent;

function itemsOf(parsed: unknown): GetEventsItem[] {
  if (Array.isArray(parsed)) return parsed.flatMap(itemsOf);
  const o = parsed as { events?: unknown; result?: { events?: unknown } } | null;
  if (o && Array.isArray(o.result?.events)) return o.result.events as GetEventsItem[];
  if (o && Array.isArray(o.events)) return o.events as GetEventsItem[];
  return o && typeof o === 'object' && 'id' in o ? [o as unknown as GetEventsItem] : [];
}

/** getEvents items: NDJSON lines or top-level array elements (items or whole responses), or `events[]` / `result.events[]` of one response. */
const itemPaths = (p: JsonPath): boolean =>
  (p.length === 1 && typeof p[0] === 'number') ||
  (p.length === 2 && p[0] === 'events' && typeof p[1] === 'number') ||
  (p.length === 3 && p[0] === 'result' && p[1] === 'events' && typeof p[2] === 'number');

async function* lines(file: string): AsyncIterable<GetEventsItem> {
  for await (const { value } of archiveValues(file, itemPaths)) yield* itemsOf(value);
}

/** First and last ledger of an archive (scans it once). */
export async function archiveRange(file: string): Promise<{ from: number; to: number; events: number }> {
  let from = Infinity;
  let to = -Infinity;
  let events = 0;
  for await (const item of lines(file)) {
    from = Math.min(from, item.ledger);
    to = Math.max(to, item.ledger);
    events++;
  }
  if (events === 0) throw new SourceUnavailable(`${file} holds no getEvents events`);
  return { from, to, events };
}

export interface EventsArchiveOptions {
  file: string;
  /** Close a batch once it holds this many events (at a ledger boundary). */
  batchEvents?: number;
}

/**
 * A JSON or NDJSON archive of getEvents `events[]` items (or whole responses) as a LedgerSource,
 * for offline replay and tests, read as a stream (NDJSON line by line, JSON one array element at a
 * time). Items must be in ledger order, as RPC returns them.
 *
 * @example for await (const batch of createEventsArchiveSource({ file }).read({ from: 1, to: 9 })) …
 */
export function createEventsArchiveSource(options: EventsArchiveOptions): LedgerSource & { range(): Promise<{ from: number; to: number }> } {
  const batchEvents = options.batchEvents ?? 2_000;
  let known: Promise<{ from: number; to: number; events: number }> | undefined;
  const range = () => (known ??= archiveRange(options.file).catch((error: unknown) => {
    if (error instanceof SourceUnavailable) throw error;
    throw new SourceUnavailable(`cannot read archive ${options.file}: ${(error as Error).message}`);
  }));
  return {
    name: 'archive',
    range,
    async latestLedger() {
      return (await range()).to;
    },
    async *read(wanted: LedgerRange, signal?: AbortSignal): AsyncIterable<LedgerBatch> {
      const to = wanted.to ?? (await range()).to;
      let from = wanted.from;
      let events: RawContractEvent[] = [];
      let last = -1;
      const read = createRpcEventReader();
      for await (const item of lines(options.file)) {
        if (signal?.aborted) return;
        if (item.type === 'diagnostic' || item.ledger < wanted.from) continue;
        if (item.ledger > to) break;
        if (item.ledger < last) throw new Error(`archive ${options.file} is not in ledger order at ledger ${item.ledger}`);
        if (item.ledger !== last && events.length >= batchEvents) {
          yield { fromLedger: from, toLedger: last, transactions: 0, events };
          from = last + 1;
          events = [];
        }
        last = item.ledger;
        events.push(read(item));
      }
      if (from <= to && !signal?.aborted) yield { fromLedger: from, toLedger: to, transactions: 0, events };
    },
  };
}
