import type { RawBuilder, Transaction } from 'kysely';
import pg from 'pg';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';

/** Leads a statement's text to ask `ArrayRowsClient` for rows as arrays. */
const MARKER = '/* substream:array-rows */ ';

/**
 * The pg client `createDb` pools: a statement whose text starts with the array-rows marker comes
 * back in node-postgres's array row mode (each row its values in select order), every other
 * statement exactly as pg.Client runs it. Kysely passes the text through, so this reaches
 * statements in transactions too.
 */
export class ArrayRowsClient extends pg.Client {
  // One signature for pg.Client's overloads: the marked case is rewritten, the rest passed on.
  override query(...args: any[]): any {
    const [text, values, callback] = args;
    if (typeof text === 'string' && text.startsWith(MARKER)) return super.query({ text, values, rowMode: 'array' }, callback);
    return (super.query as (...a: unknown[]) => unknown)(...args);
  }
}

/**
 * Runs `query` and returns its rows as arrays of values in select order: no object with named
 * fields per row, which is most of what decoding a wide, many-row result costs. On a connection
 * not pooled by `createDb` (no `ArrayRowsClient`), each row object's values are taken instead.
 *
 * @example const rows = await arrayRows<[string, number]>(trx, sql`select id, n from t`); // [['a', 1], …]
 */
export async function arrayRows<Row extends unknown[]>(conn: Db | Transaction<Database>, query: RawBuilder<unknown>): Promise<Row[]> {
  const compiled = query.compile(conn);
  const { rows } = await conn.executeQuery<unknown>({ ...compiled, sql: MARKER + compiled.sql });
  if (rows.length > 0 && !Array.isArray(rows[0])) return rows.map((row) => Object.values(row as object) as Row);
  return rows as Row[];
}
