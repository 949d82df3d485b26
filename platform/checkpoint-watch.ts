import { sql } from 'kysely';
import type pg from 'pg';
import { comparePositions } from '../eventstore/log-position.ts';
import type { LogPosition } from '../eventstore/types.ts';
import { poolOf, type Db } from './database.ts';

/** The PostgreSQL NOTIFY channel on which a projector announces a committed checkpoint (payload: its name). */
export const CHECKPOINT_CHANNEL = 'substream_checkpoint';

/** Counting how far a read model is behind costs O(lag): past this it only matters that it is far. */
const LAG_CAP = 100_000;

/** A read model still before the awaited position. */
export interface BehindModel {
  readModel: string;
  /** Its checkpoint; null when it has none yet (its projector never ran). */
  position: LogPosition | null;
  /** Events of the log after its checkpoint up to the awaited position, counted up to 100,000. */
  events: number;
}

export interface CheckpointWatch {
  /**
   * Resolves once every named checkpoint is at or past `position` with `[]`, or after `timeoutMs`
   * with the ones still behind it.
   */
  waitPast(names: readonly string[], position: LogPosition, timeoutMs: number): Promise<BehindModel[]>;
  close(): Promise<void>;
}

export interface CheckpointWatchOptions {
  /** How often waiters re-read the checkpoints when no announcement came. */
  pollIntervalMs: number;
  onError?: (error: Error) => void;
}

interface Waiter {
  names: readonly string[];
  position: LogPosition;
  passed(): void;
}

interface PositionRow {
  name: string;
  commit: string | null;
  prepare: string | null;
}

const positionOf = (row: PositionRow): LogPosition | null =>
  row.commit === null || row.prepare === null ? null : { commit: BigInt(row.commit), prepare: BigInt(row.prepare) };

const reached = (at: LogPosition | null | undefined, target: LogPosition): boolean => !!at && comparePositions(at, target) >= 0;

async function readPositions(db: Db, names: readonly string[]): Promise<Map<string, LogPosition | null>> {
  const { rows } = await sql<PositionRow>`select name, position_commit::text as commit, position_prepare::text as prepare
    from projection_checkpoints where name = any(${names}::text[])`.execute(db);
  return new Map(rows.map((row) => [row.name, positionOf(row)]));
}

async function behind(db: Db, names: readonly string[], target: LogPosition): Promise<BehindModel[]> {
  const { rows } = await sql<PositionRow & { events: string }>`
    select n.name, c.position_commit::text as commit, c.position_prepare::text as prepare,
      (select count(*) from (select 1 from events e
        where (e.transaction_id, e.global_position) > (coalesce(c.position_commit, '0'::xid8), coalesce(c.position_prepare, 0))
          and (e.transaction_id, e.global_position) <= (${target.commit.toString()}::xid8, ${target.prepare.toString()}::bigint)
        limit ${LAG_CAP}) b) as events
    from unnest(${names}::text[]) as n(name) left join projection_checkpoints c on c.name = n.name
    order by n.name`.execute(db);
  return rows
    .filter((row) => !reached(positionOf(row), target))
    .map((row) => ({ readModel: row.name, position: positionOf(row), events: Number(row.events) }));
}

/**
 * Waits for read models to pass a log position, cheaply: projectors NOTIFY CHECKPOINT_CHANNEL with
 * every committed checkpoint (projections/checkpoints.ts), one LISTEN connection per process (taken
 * from `db`'s pool on the first wait) wakes the waiters, and one read of the checkpoints serves
 * every waiter at once. While anyone waits, one shared poll every `pollIntervalMs` covers what
 * LISTEN cannot hear (a lost connection, PgBouncer in transaction mode). No query polls on its own.
 *
 * @example
 * const watch = createCheckpointWatch(db, { pollIntervalMs: 500 });
 * const stillBehind = await watch.waitPast(['subscriptions'], position, 2_000); // [] once passed
 */
export function createCheckpointWatch(db: Db, options: CheckpointWatchOptions): CheckpointWatch {
  const onError = options.onError ?? (() => {});
  const waiters = new Set<Waiter>();
  let checking = false;
  let again = false;
  let listener: Promise<pg.PoolClient | null> | null = null;
  let poller: ReturnType<typeof setInterval> | null = null;
  let closed = false;

  const check = async () => {
    const names = [...new Set([...waiters].flatMap((waiter) => waiter.names))];
    if (names.length === 0) return;
    const positions = await readPositions(db, names);
    for (const waiter of waiters) {
      if (waiter.names.every((name) => reached(positions.get(name), waiter.position))) {
        waiters.delete(waiter);
        waiter.passed();
      }
    }
  };

  // Announcements that arrive during a read coalesce into one more read after it.
  const wake = () => {
    if (checking) return void (again = true);
    checking = true;
    void (async () => {
      do {
        again = false;
        await check().catch((error: Error) => onError(error));
      } while (again && waiters.size > 0);
      checking = false;
    })();
  };

  const listen = (): Promise<unknown> => {
    const pool = poolOf(db);
    if (!pool || closed) return Promise.resolve();
    listener ??= (async () => {
      const client = await pool.connect();
      client.on('notification', wake);
      client.on('error', (error) => {
        onError(error);
        listener = null;
        client.release(error);
      });
      await client.query(`listen ${CHECKPOINT_CHANNEL}`);
      return client;
    })().catch((error: Error) => {
      onError(error);
      listener = null;
      return null;
    });
    return listener;
  };

  const poll = () => {
    if (poller) return;
    poller = setInterval(() => {
      if (waiters.size > 0) return wake();
      clearInterval(poller!);
      poller = null;
    }, options.pollIntervalMs);
    poller.unref();
  };

  return {
    async waitPast(names, position, timeoutMs) {
      if (closed) throw new Error('the checkpoint watch is closed');
      // Not awaited: a pool slow to lend the connection must not stretch the bound (the poll covers the gap).
      void listen();
      const passed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          resolve(false);
        }, timeoutMs);
        const waiter: Waiter = { names, position, passed: () => (clearTimeout(timer), resolve(true)) };
        waiters.add(waiter);
        poll();
        wake();
      });
      // At the bound, one last look: the answer names only the models really still behind.
      return passed ? [] : behind(db, names, position);
    },
    async close() {
      closed = true;
      if (poller) clearInterval(poller);
      const client = await listener;
      client?.release(true);
    },
  };
}
