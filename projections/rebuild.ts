import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Transaction } from 'kysely';
import type { LogPosition } from '../eventstore/types.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { Database } from '../platform/schema.ts';
import { deleteCheckpoint, ensureCheckpoint, failCheckpoint, loadCheckpoint, lockProjector, promoteCheckpoint, REBUILD_SUFFIX } from './checkpoints.ts';
import { cloneTable } from './clone-table.ts';
import { createReadAhead } from './read-ahead.ts';
import { withRebuildLock } from './rebuild-lock.ts';
import { beginWrite, projectBatch, projectBatchIn } from './runner.ts';
import { schemaDrift } from './schema-drift.ts';
import { swapTables } from './swap-tables.ts';
import type { Conn, Projector } from './types.ts';

export interface RebuildProgress {
  /** Events read from the log by this run (handled or not). */
  read: number;
  /** Events handed to `apply` by this run. */
  applied: number;
  /** Events that were after the rebuild's checkpoint when this run started (more may come). */
  total: number;
  position: LogPosition;
}

export interface RebuildOptions {
  batchSize?: number;
  /** Stops between batches; the rebuild resumes from its checkpoint on the next run. */
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?(progress: RebuildProgress): void;
}

export interface RebuildResult extends RebuildProgress {
  /** The run continued an interrupted rebuild (same version, its `__next` tables in place). */
  resumed: boolean;
  /** False when the signal stopped it before the swap. */
  swapped: boolean;
}

const nextTable = (table: string): string => `${table}__next`;
const oldTable = (table: string): string => `${table}__old`;

async function existing(conn: Conn, tables: readonly string[]): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select t as name from unnest(${[...tables]}::text[]) t where to_regclass(t) is not null`.execute(conn);
  return rows.map((r) => r.name);
}

async function dropTables(conn: Conn, tables: readonly string[]): Promise<void> {
  for (const table of await existing(conn, tables)) await sql`drop table if exists ${sql.table(table)}`.execute(conn);
}

/** How the live tables differ from their `__next` clones (a migration since the clone), or null. */
async function driftOf(conn: Conn, tables: readonly string[]): Promise<string | null> {
  const drifts: string[] = [];
  for (const table of tables) {
    const drift = await schemaDrift(conn, table, nextTable(table));
    if (drift) drifts.push(drift);
  }
  return drifts.length > 0 ? drifts.join('; ') : null;
}

/** The live tables changed since the rebuild cloned them: swapping would undo that change. */
class SchemaDrift extends Error {
  override name = 'SchemaDrift';
}

/**
 * Resumes the rebuild when its checkpoint is at the code's version and every `__next` table is
 * there with the live table's catalogue (projections/schema-drift.ts); otherwise starts it over (saying why, for a
 * schema change): fresh `__next` clones and a checkpoint at position 0, in one transaction.
 * Returns whether it resumed.
 */
async function prepareRebuild(db: Db, projector: Projector, rebuild: Projector, log: Logger | undefined): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockProjector(trx, rebuild.name);
    const checkpoint = await loadCheckpoint(trx, rebuild.name);
    const present = await existing(trx, rebuild.tables);
    if (checkpoint?.version === projector.version && present.length === rebuild.tables.length) {
      const drift = await driftOf(trx, projector.tables);
      if (!drift) return true;
      log?.warn({ drift }, 'the live tables changed since the rebuild cloned them (a migration?): starting the rebuild over');
    }
    await deleteCheckpoint(trx, rebuild.name);
    await dropTables(trx, present);
    for (const table of projector.tables) await cloneTable(trx, table, nextTable(table));
    await ensureCheckpoint(trx, rebuild.name, projector.version);
    return false;
  });
}

async function eventsAfter(db: Db, position: LogPosition): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from events
    where (transaction_id, global_position) > (${position.commit.toString()}::xid8, ${position.prepare.toString()}::bigint)`.execute(db);
  return Number(rows[0]!.n);
}

/**
 * Takes ACCESS EXCLUSIVE on the tables without queueing readers behind a long wait: each attempt
 * gives up after 300 ms (before PostgreSQL's 1 s deadlock check could pick a reader as the victim),
 * rolls back to a savepoint, lets the readers finish and tries again.
 */
async function lockTables(trx: Transaction<Database>, tables: readonly string[]): Promise<void> {
  const list = sql.join(tables.map((t) => sql.table(t)));
  for (let attempt = 1; ; attempt++) {
    await sql`savepoint substream_swap_lock`.execute(trx);
    try {
      await sql`set local lock_timeout = '300ms'`.execute(trx);
      await sql`lock table ${list} in access exclusive mode`.execute(trx);
      await sql`set local lock_timeout to default`.execute(trx);
      await sql`release savepoint substream_swap_lock`.execute(trx);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code !== '55P03' && code !== '40P01') || attempt >= 100) throw error;
      await sql`rollback to savepoint substream_swap_lock`.execute(trx);
      await sleep(20 * Math.min(attempt, 10));
    }
  }
}

/**
 * Builds a projector's read model again, aside, while the live one keeps serving and following:
 * `<table>__next` clones (RLS, policies, grants, triggers) filled from position 0 under the
 * checkpoint `<name>:rebuild`, in batches. Once caught up, ONE transaction pauses the live
 * projector (its advisory lock), applies the last batches, renames `<table>` → `<table>__old` and
 * `<table>__next` → `<table>` (indexes and constraints keep their names) and hands the rebuild's
 * position and the code's version to the live checkpoint; then the old tables are dropped.
 * Interrupted (signal, SIGKILL), it resumes from its checkpoint on the next run. A live table whose
 * catalogue (columns, constraints, indexes, RLS flags, policies, grants, triggers) changed since
 * the clone (a migration) starts it over, on resuming or at the
 * swap (which checks again under the table locks), rather than swapping the change away. One rebuild of a
 * projector at a time: a second one throws `RebuildInProgress` before touching anything
 * (projections/rebuild-lock.ts).
 *
 * @example const { swapped } = await rebuildProjector(db, subscriptionsProjector, { batchSize: 5_000, onProgress });
 */
export async function rebuildProjector(db: Db, projector: Projector, options: RebuildOptions = {}): Promise<RebuildResult> {
  return withRebuildLock(db, projector.name, () => fillAndSwap(db, projector, options));
}

async function fillAndSwap(db: Db, projector: Projector, options: RebuildOptions, restarted = false): Promise<RebuildResult> {
  const { batchSize = 2_000, signal, logger, onProgress } = options;
  const names = Object.fromEntries(projector.tables.map((table) => [table, nextTable(table)]));
  const rebuild = projector.withTables(names, `${projector.name}${REBUILD_SUFFIX}`);
  const log = logger?.child({ projector: projector.name, rebuild: rebuild.name });
  // A swap that committed just before a crash leaves its old tables behind.
  await dropTables(db, projector.tables.map(oldTable));
  const resumed = await prepareRebuild(db, projector, rebuild, log);
  const start = (await loadCheckpoint(db, rebuild.name))!;
  const progress: RebuildProgress = { read: 0, applied: 0, total: await eventsAfter(db, start.position), position: start.position };
  log?.info({ resumed, from: `${start.position.commit}/${start.position.prepare}`, events: progress.total }, resumed ? 'rebuild resumed' : 'rebuild started');
  const count = (step: { read: number; applied: number; position: LogPosition }) => {
    progress.read += step.read;
    progress.applied += step.applied;
    progress.position = step.position;
    progress.total = Math.max(progress.total, progress.read);
    onProgress?.({ ...progress });
  };
  const ahead = createReadAhead(db);
  for (;;) {
    if (signal?.aborted) return { ...progress, resumed, swapped: false };
    const step = await projectBatch(db, rebuild, batchSize, ahead);
    count(step);
    if (step.caughtUp) break;
  }
  try {
    await db.transaction().execute(async (trx) => {
      await beginWrite(trx);
      await lockProjector(trx, projector.name);
      for (;;) {
        const step = await projectBatchIn(trx, rebuild, batchSize);
        count(step);
        if (step.caughtUp) break;
      }
      await lockTables(trx, projector.tables.flatMap((table) => [table, nextTable(table)]));
      const drift = await driftOf(trx, projector.tables);
      if (drift) throw new SchemaDrift(`the live tables changed during the rebuild: ${drift}`);
      for (const table of projector.tables) await swapTables(trx, { live: table, next: nextTable(table), old: oldTable(table) });
      await promoteCheckpoint(trx, { from: rebuild.name, to: projector.name, version: projector.version });
    });
  } catch (error) {
    // A migration ran during the fill: start over once (a second drift means something else is wrong).
    if (error instanceof SchemaDrift && !restarted) return fillAndSwap(db, projector, options, true);
    await failCheckpoint(db, rebuild.name, (error as Error)?.message ?? String(error)).catch(() => undefined);
    throw error;
  }
  await dropTables(db, projector.tables.map(oldTable));
  log?.info({ read: progress.read, applied: progress.applied, version: projector.version }, 'rebuild swapped in');
  return { ...progress, resumed, swapped: true };
}
