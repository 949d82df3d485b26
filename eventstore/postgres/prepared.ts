import type { Kysely, RawBuilder, Transaction } from 'kysely';
import pg from 'pg';
import { poolOf } from '../../platform/database.ts';
import type { Database } from '../../platform/schema.ts';

type Conn = Kysely<Database> | Transaction<Database>;

/**
 * Runs a statement whose text never varies (every value a parameter) as a named prepared statement
 * when `conn` is a pool from `createDb` (autocommit, as Kysely would run it): each pooled
 * connection parses and plans it once instead of on every call. In a transaction, or on another
 * `Db`, it runs through Kysely as usual. Each name must always go with the same text.
 *
 * @example const rows = await executePrepared(db, 'substream_read_stream_v1', sql`select … where stream_id = ${id}`);
 */
export async function executePrepared<Row>(conn: Conn, name: string, statement: RawBuilder<Row>): Promise<Row[]> {
  const pool = conn.isTransaction ? undefined : poolOf(conn);
  if (!pool) return (await statement.execute(conn)).rows;
  const { sql: text, parameters } = statement.compile(conn);
  const client = await pool.connect();
  try {
    const { rows } = await client.query<Row & object>({ name, text, values: [...parameters] });
    client.release();
    return rows;
  } catch (error) {
    client.release(reportedByServer(error) ? undefined : (error as Error));
    throw error;
  }
}

/** An ERROR the server reported ends the statement, not the session (FATAL and PANIC do, as a terminated backend's 57P01). */
function reportedByServer(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity === 'ERROR';
}
