import pg from 'pg';
import { poolOf, type Db } from '../platform/database.ts';

/** Another session is rebuilding the same projector: it holds the rebuild's lock. */
export class RebuildInProgress extends Error {
  override name = 'RebuildInProgress';
  readonly projector: string;

  constructor(projector: string) {
    super(`a rebuild of ${projector} is already running (another process holds its lock); wait for it, or stop it and run this again to resume`);
    this.projector = projector;
  }
}

const LOCK_KEY = 'hashtextextended($1, 0)';

/**
 * Runs `rebuild` while holding the projector's rebuild lock: a session-level advisory lock taken
 * without waiting, on a connection of its own opened beside `db`'s pool (so rebuilds running at
 * once never starve the pool they work with), held until `rebuild` settles. A second rebuild of
 * the same projector fails at once with `RebuildInProgress`. The lock lives as long as that
 * session, so a rebuild that is killed (SIGKILL, a crash) loses it with its connection and can be
 * resumed right away. Needs a session-mode connection (not a transaction-mode pooler).
 *
 * @example await withRebuildLock(db, 'subscriptions', () => fillAndSwap(db, subscriptionsProjector, options));
 */
export async function withRebuildLock<T>(db: Db, projector: string, rebuild: () => Promise<T>): Promise<T> {
  const pool = poolOf(db);
  if (!pool) throw new Error('a rebuild needs a Db opened by createDb (its lock opens a connection with the same settings)');
  const session = new pg.Client({ ...pool.options, application_name: 'substream rebuild lock' });
  // A connection the server drops fails the next query; without this listener it would crash the process.
  session.on('error', () => {});
  await session.connect();
  const key = `projection-rebuild:${projector}`;
  try {
    const { rows } = await session.query<{ locked: boolean }>(`select pg_try_advisory_lock(${LOCK_KEY}) as locked`, [key]);
    if (!rows[0]!.locked) throw new RebuildInProgress(projector);
    return await rebuild();
  } finally {
    // Closing the session releases the lock (a session that broke meanwhile has lost it already).
    await session.end().catch(() => undefined);
  }
}
