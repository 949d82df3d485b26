import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../platform/database.ts';
import type { EventStore, SubscribeOptions } from '../types.ts';
import { appendToStreams } from './append.ts';
import { readAllEvents, readStreamEvents } from './read.ts';

/**
 * The PostgreSQL event store (the default adapter). `close()` leaves the connection to its owner.
 *
 * @example const store = createPostgresEventStore(db);
 */
export function createPostgresEventStore(db: Db): EventStore {
  return {
    async append(streamId, events, options = {}) {
      const [result] = await appendToStreams(db, [{ streamId, events, expectedRevision: options.expectedRevision ?? 'any' }]);
      return result!;
    },
    appendMany: (appends) => appendToStreams(db, appends),
    readStream: (streamId, options) => readStreamEvents(db, streamId, options),
    readAll: (options) => readAllEvents(db, options),
    subscribe: (options) => pollAll(db, options),
    close: async () => {},
  };
}

async function* pollAll(db: Db, options: SubscribeOptions = {}) {
  const limit = options.limit ?? 1_000;
  const interval = options.pollIntervalMs ?? 100;
  let after = options.after;
  while (!options.signal?.aborted) {
    const batch = await readAllEvents(db, after ? { after, limit } : { limit });
    if (batch.length > 0) {
      after = batch[batch.length - 1]!.position;
      yield batch;
    }
    if (batch.length < limit) await sleep(interval, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
