import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
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

async function* lines(file: string): AsyncIterable<GetEventsItem> {
  const head = await readHead(file, 1);
  if (head.trimStart().startsWith('[') || (head.trimStart().startsWith('{') && !(await isNdjson(file)))) {
    const all = itemsOf(JSON.parse(await readFile(file, 'utf8')));
    yield* all.sort((a, b) => a.ledger - b.ledger);
    return;
  }
  const rl = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim() !== '') yield* itemsOf(JSON.parse(line));
}

async function readHead(file: string, bytes: number): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.toString('utf8', 0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function isNdjson(file: string): Promise<boolean> {
  const head = await readHead(file, 1 << 16);
  const first = head.split('\n')[0]!;
  try {
    JSON.parse(first);
    return head.includes('\n') && head.slice(first.length).trim() !== '';
  } catch {
    return false;
  }
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
 * for offline replay and tests. Items must be in ledger order (a JSON array is sorted first).
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
