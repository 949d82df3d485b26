import { randomUUID } from 'node:crypto';
import {
  getPostgreSQLEventStore,
  type PostgresEventStore,
} from '@event-driven-io/emmett-postgresql';
import { isExpectedVersionConflictError, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import pg from 'pg';
import { WrongExpectedRevision } from '../../eventstore/errors.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { NewEvent } from '../../eventstore/types.ts';
import { createDb, poolOf } from '../../platform/database.ts';
import { benchEvent } from '../support/bench-event.ts';

/** The last revision of a stream, 0-based; -1 when it does not exist. */
export type Revision = number;

/** What the peer benches ask of an event store, in one numbering (revisions from 0). */
export interface BenchStore {
  /** Appends with the expected last revision; the new last revision, or 'conflict'. */
  append(streamId: string, events: NewEvent[], expected: Revision): Promise<Revision | 'conflict'>;
  /** The stream's last revision, reading as little as the store allows (`known`: the last one this caller saw). */
  lastRevision(streamId: string, known: Revision): Promise<Revision>;
  /** Reads the whole stream; its number of events. */
  readAll(streamId: string): Promise<number>;
  /** Connections its pool opened so far. */
  connects(): number;
  close(): Promise<void>;
}

export interface Side {
  name: string;
  /** The application_name of its pool's backends (their CPU is measured). */
  applicationName: string;
  open(url: string, connections: number): Promise<BenchStore>;
}

const TEMPLATE = benchEvent();
/** An event with the shared payload and a fresh id: both stores pay the same to make one. */
export const nextEvent = (): NewEvent => ({ ...TEMPLATE, id: randomUUID() });

function countingConnects(pool: pg.Pool): () => number {
  let connects = 0;
  pool.on('connect', () => connects++);
  return () => connects;
}

export const substream: Side = {
  name: 'SubStream',
  applicationName: 'substream-bench-ours',
  async open(url, connections) {
    const db = createDb({ url, max: connections, applicationName: this.applicationName });
    const connects = countingConnects(poolOf(db)!);
    const store = createPostgresEventStore(db);
    return {
      async append(streamId, events, expected) {
        try {
          return (await store.append(streamId, events, { expectedRevision: expected < 0 ? 'no_stream' : expected })).revision;
        } catch (error) {
          if (error instanceof WrongExpectedRevision) return 'conflict';
          throw error;
        }
      },
      async lastRevision(streamId) {
        const [last] = await store.readStream(streamId, { direction: 'backwards', limit: 1 });
        return last ? last.streamRevision : -1;
      },
      readAll: async (streamId) => (await store.readStream(streamId)).length,
      connects,
      close: () => db.destroy(),
    };
  },
};

/** Emmett numbers stream versions from 1 (0: no stream); revision r here is its version r + 1. */
export const emmett: Side = {
  name: 'Emmett',
  applicationName: 'substream-bench-emmett',
  async open(url, connections) {
    const pool = new pg.Pool({ connectionString: url, max: connections, application_name: this.applicationName });
    pool.on('error', () => {});
    const connects = countingConnects(pool);
    const store: PostgresEventStore = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
    return {
      async append(streamId, events, expected) {
        try {
          const result = await store.appendToStream(
            streamId,
            events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, metadata: e.metadata })),
            { expectedStreamVersion: expected < 0 ? STREAM_DOES_NOT_EXIST : BigInt(expected + 1) },
          );
          return Number(result.nextExpectedStreamVersion) - 1;
        } catch (error) {
          if (isExpectedVersionConflictError(error)) return 'conflict';
          throw error;
        }
      },
      async lastRevision(streamId, known) {
        // From the last version this caller saw: only what was appended since is read.
        const { events } = await store.readStream(streamId, known >= 0 ? { from: BigInt(known + 1) } : undefined);
        const last = events[events.length - 1];
        return last ? Number(last.metadata.streamPosition) - 1 : known;
      },
      readAll: async (streamId) => (await store.readStream(streamId)).events.length,
      connects,
      close: async () => {
        await store.close();
        await pool.end().catch(() => {});
      },
    };
  },
};
