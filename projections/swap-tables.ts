import { sql } from 'kysely';
import type { Conn } from './types.ts';

interface IndexRow {
  name: string;
  oid: string;
  shape: string;
}

/**
 * Each index of `table` with its definition minus its own name and table: equal shapes are the same index.
 *
 * @example const shapes = (await indexesOf(db, 'creators')).map((i) => i.shape); // ['CREATE UNIQUE INDEX ON USING btree (address)']
 */
export async function indexesOf(conn: Conn, table: string): Promise<IndexRow[]> {
  const { rows } = await sql<IndexRow>`
    select c.relname as name, c.oid::text as oid,
      regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE (UNIQUE )?INDEX \\S+ ON (ONLY )?\\S+ ', 'CREATE \\1INDEX ON ') as shape
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = ${table}::regclass order by c.relname`.execute(conn);
  return rows;
}

/**
 * Puts `next` in the place of `live` (call inside the swap's transaction, after locking both):
 * `live` becomes `old`, `next` becomes `live`, and each index of `next` takes the name of the
 * matching index of `live` (a primary key or unique index renames its constraint with it), so
 * later migrations that name them keep working. Check constraints were copied with their names.
 *
 * @example await swapTables(trx, { live: 'subscriptions', next: 'subscriptions__next', old: 'subscriptions__old' });
 */
export async function swapTables(conn: Conn, tables: { live: string; next: string; old: string }): Promise<void> {
  const liveIndexes = await indexesOf(conn, tables.live);
  const nextIndexes = await indexesOf(conn, tables.next);
  for (const index of liveIndexes) {
    const match = nextIndexes.findIndex((n) => n.shape === index.shape);
    if (match < 0) throw new Error(`${tables.next} has no index like ${index.name} (${index.shape})`);
    const [twin] = nextIndexes.splice(match, 1);
    await sql`alter index ${sql.id(index.name)} rename to ${sql.id(`substream_old_${index.oid}`)}`.execute(conn);
    await sql`alter index ${sql.id(twin!.name)} rename to ${sql.id(index.name)}`.execute(conn);
  }
  await sql`alter table ${sql.table(tables.live)} rename to ${sql.id(tables.old)}`.execute(conn);
  await sql`alter table ${sql.table(tables.next)} rename to ${sql.id(tables.live)}`.execute(conn);
}
