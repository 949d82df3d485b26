import { sql } from 'kysely';
import { indexesOf } from './swap-tables.ts';
import type { Conn } from './types.ts';

/** Each column of `table` in order, as `name type [not null] [default …]`. */
async function columnsOf(conn: Conn, table: string): Promise<string[]> {
  const { rows } = await sql<{ column: string }>`
    select quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
      || case when a.attnotnull then ' not null' else '' end
      || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') as column
    from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped
    order by a.attnum`.execute(conn);
  return rows.map((r) => r.column);
}

/** What `a` holds more of than `b` (a multiset difference). */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const rest = [...b];
  return a.filter((x) => {
    const i = rest.indexOf(x);
    if (i < 0) return true;
    rest.splice(i, 1);
    return false;
  });
}

/**
 * How the columns (name, type, nullability, default, order) and index shapes of a rebuild's `next`
 * table differ from the live table it was cloned from, or null when they match: a migration that
 * ran after the clone, which a swap would silently undo.
 *
 * @example const drift = await schemaDrift(trx, 'creators', 'creators__next'); // 'creators: column "verified boolean not null default false" only in creators'
 */
export async function schemaDrift(conn: Conn, live: string, next: string): Promise<string | null> {
  const [liveColumns, nextColumns] = [await columnsOf(conn, live), await columnsOf(conn, next)];
  const [liveIndexes, nextIndexes] = [(await indexesOf(conn, live)).map((i) => i.shape), (await indexesOf(conn, next)).map((i) => i.shape)];
  const differences = [
    ...minus(liveColumns, nextColumns).map((c) => `column "${c}" only in ${live}`),
    ...minus(nextColumns, liveColumns).map((c) => `column "${c}" only in ${next}`),
    ...minus(liveIndexes, nextIndexes).map((i) => `index "${i}" only in ${live}`),
    ...minus(nextIndexes, liveIndexes).map((i) => `index "${i}" only in ${next}`),
  ];
  if (differences.length === 0 && liveColumns.some((c, i) => c !== nextColumns[i])) differences.push(`columns of ${live} and ${next} are in another order`);
  return differences.length > 0 ? `${live}: ${differences.join('; ')}` : null;
}
