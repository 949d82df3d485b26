import { sql } from 'kysely';
import type { Db } from '../../platform/database.ts';

/**
 * Rows of `a` missing from `b` and rows of `b` not in `a` (`except all`, so duplicates count),
 * and how many rows `a` has. Run as a superuser: row-level security would hide rows otherwise.
 *
 * @example t.same(await modelDiff(db, 'subscriptions', 'snapshot_subscriptions'), { rows: 1234, missing: 0, extra: 0 });
 */
export async function modelDiff(db: Db, a: string, b: string): Promise<{ rows: number; missing: number; extra: number }> {
  const [ta, tb] = [sql.table(a), sql.table(b)];
  const { rows } = await sql<{ rows: number; missing: number; extra: number }>`
    select (select count(*)::int from ${ta}) as rows,
      (select count(*)::int from (select * from ${ta} except all select * from ${tb}) x) as missing,
      (select count(*)::int from (select * from ${tb} except all select * from ${ta}) x) as extra`.execute(db);
  return rows[0]!;
}

/** Copies a table's rows into a plain new table (a snapshot to compare with later). */
export async function snapshotTable(db: Db, table: string, into: string): Promise<void> {
  await sql`create table ${sql.table(into)} as select * from ${sql.table(table)}`.execute(db);
}
