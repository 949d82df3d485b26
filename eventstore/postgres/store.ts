import type { Db } from '../../platform/database.ts';
import { pollAll } from '../poll.ts';
import type { EventStore } from '../types.ts';
import { appendToStreams } from './append.ts';
import { readAllEvents, readStreamEvents, readStreamsEvents } from './read.ts';

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
    readStreams: (streamIds) => readStreamsEvents(db, streamIds),
    readAll: (options) => readAllEvents(db, options),
    subscribe: (options) => pollAll((o) => readAllEvents(db, o), options),
    close: async () => {},
  };
}
