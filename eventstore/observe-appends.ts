import { comparePositions } from './log-position.ts';
import type { AppendResult, EventStore, LogPosition } from './types.ts';

/** Told, after an append has committed, the position of the last event it wrote. */
export type AppendObserver = (position: LogPosition) => void;

/**
 * The position of the last event a set of append results wrote (null when all were already stored).
 *
 * @example const last = lastAppended(await appendToStreams(trx, appends)); // after commit: observer(last)
 */
export function lastAppended(results: readonly AppendResult[]): LogPosition | null {
  let last: LogPosition | null = null;
  for (const { position } of results) {
    if (position && (!last || comparePositions(position, last) > 0)) last = position;
  }
  return last;
}

/**
 * Wraps an event store so that `observer` hears of every append that wrote something, once it has
 * committed (the store itself is untouched and knows nothing of who listens). An observer that
 * throws never fails the append.
 *
 * @example const store = observeAppends(createPostgresEventStore(db), signal.notify);
 */
export function observeAppends(store: EventStore, observer: AppendObserver): EventStore {
  const tell = <T extends AppendResult[]>(results: T): T => {
    const last = lastAppended(results);
    if (last) {
      try {
        observer(last);
      } catch {
        // A lost notification only delays readers until their next poll.
      }
    }
    return results;
  };
  return {
    append: async (streamId, events, options) => tell([await store.append(streamId, events, options)])[0]!,
    appendMany: async (appends) => tell(await store.appendMany(appends)),
    readStream: (streamId, options) => store.readStream(streamId, options),
    readStreams: (streamIds) => store.readStreams(streamIds),
    readAll: (options) => store.readAll(options),
    subscribe: (options) => store.subscribe(options),
    close: () => store.close(),
  };
}
