import { randomBytes } from 'node:crypto';
import { nextEvent, type BenchStore, type Revision } from './stores.ts';

/** One closed-loop workload: `writers` loops each calling `op(writer)` (which resolves to the operations it completed). */
export interface Workload {
  label: string;
  writers: number;
  /** What one operation is, for the table (events, reads, successful appends). */
  unit: string;
  /** Before warm-up: per-round state (fresh stream names) and any data it reads. */
  prepare(store: BenchStore): Promise<(writer: number) => Promise<number>>;
  /** Conflicts seen (contended workloads), since prepare. */
  conflicts?: () => number;
}

const tag = () => randomBytes(4).toString('hex');

/** Each writer appends `size` events at a time to a stream of its own, with the expected revision. */
export function appends(writers: number, size: number): Workload {
  return {
    label: size === 1 ? `single-event appends, ${writers} writers` : `${size}-event batches, ${writers} writers`,
    writers,
    unit: 'events',
    async prepare(store) {
      const prefix = `w-${tag()}`;
      const revisions: Revision[] = Array.from({ length: writers }, () => -1);
      return async (w) => {
        const result = await store.append(`${prefix}-${w}`, Array.from({ length: size }, nextEvent), revisions[w]!);
        if (result === 'conflict') throw new Error('an uncontended append conflicted');
        revisions[w] = result;
        return size;
      };
    },
  };
}

/** Readers each read a whole stream of `size` events. */
export function streamReads(readers: number, size: number): Workload {
  return {
    label: `read a ${size}-event stream, ${readers} readers`,
    writers: readers,
    unit: 'reads',
    async prepare(store) {
      const streams = Array.from({ length: readers }, () => `r-${tag()}`);
      for (const s of streams) await store.append(s, Array.from({ length: size }, nextEvent), -1);
      return async (r) => {
        if ((await store.readAll(streams[r]!)) !== size) throw new Error('short read');
        return 1;
      };
    },
  };
}

/** The command handler's loop on few streams: read the last revision, append with it, on a conflict read again. */
export function contended(writers: number, streams: number): Workload {
  let conflicts = 0;
  return {
    label: `contended: ${writers} writers on ${streams} streams`,
    writers,
    unit: 'appends',
    conflicts: () => conflicts,
    async prepare(store) {
      conflicts = 0;
      const prefix = `c-${tag()}`;
      const known: Revision[] = Array.from({ length: streams }, () => -1);
      let turn = 0;
      return async () => {
        const s = turn++ % streams;
        const streamId = `${prefix}-${s}`;
        for (;;) {
          const last = await store.lastRevision(streamId, known[s]!);
          const result = await store.append(streamId, [nextEvent()], last);
          if (result !== 'conflict') {
            known[s] = Math.max(known[s]!, result);
            return 1;
          }
          conflicts++;
        }
      };
    },
  };
}
