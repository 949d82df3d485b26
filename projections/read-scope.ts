import { sql, type Kysely, type RawBuilder } from 'kysely';
import type pg from 'pg';
import { poolOf, type Db } from '../platform/database.ts';
import type { Database } from '../platform/schema.ts';
import { inlineParameters, literal } from './inline-parameters.ts';

export interface ReadScope {
  /** The creator (tenant) whose rows the caller may read. */
  tenantId?: string;
  /** The subscriber wallet whose own subscriptions the caller may read across creators. */
  wallet?: string;
}

/** One query and what its rows mean: what `readInScope` runs in a single round trip. */
export interface ScopedQuery<Row, T> {
  query: RawBuilder<Row>;
  result(rows: Row[]): T;
}

/**
 * BEGIN and the settings as two statements of one simple-protocol message, with the values as
 * escaped literals (`set_config('role', …, true)` is SET LOCAL ROLE).
 */
function beginScoped(scope: ReadScope): string {
  return `start transaction read only; select set_config('role', 'substream_api', true),
    set_config('app.current_tenant_id', ${literal(scope.tenantId ?? '')}, true),
    set_config('app.current_wallet', ${literal(scope.wallet ?? '')}, true)`;
}

/**
 * Runs `fn` in one read-only transaction as `substream_api` (no table ownership, no BYPASSRLS),
 * with the tenant and wallet set transaction-locally: row-level security decides every row it
 * sees. With neither set it sees the public creator directory and nothing else. BEGIN and the
 * settings travel in one round trip, so a one-query read costs three (see `readInScope` for one).
 *
 * @example const page = await withReadScope(db, { tenantId: creator }, (trx) => listSubscribers(trx, { limit: 50 }));
 */
export async function withReadScope<T>(db: Db, scope: ReadScope, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  const begin = sql.raw(beginScoped(scope));
  return db.connection().execute(async (conn) => {
    let result: T;
    try {
      // Inside the try: a failed setting leaves the transaction open (aborted), so roll it back.
      await begin.execute(conn);
      result = await fn(conn);
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
    await sql`commit`.execute(conn);
    return result;
  });
}

/**
 * `withReadScope` for a single query, in one round trip: BEGIN, the settings, the query (its
 * parameters inlined as escaped literals) and COMMIT go as one simple-protocol message, still one
 * read-only transaction as `substream_api`. A `Db` not made by `createDb` takes `withReadScope`.
 *
 * @example const sub = await readInScope(db, { wallet }, subscriptionById(`${wallet}-${creator}`));
 */
export async function readInScope<Row, T>(db: Db, scope: ReadScope, read: ScopedQuery<Row, T>): Promise<T> {
  const pool = poolOf(db);
  if (!pool) return withReadScope(db, scope, async (trx) => read.result((await read.query.execute(trx)).rows));
  const text = `${beginScoped(scope)}; ${inlineParameters(read.query.compile(db))}; commit`;
  const client = await pool.connect();
  let results: pg.QueryResult[];
  try {
    results = (await client.query(text)) as unknown as pg.QueryResult[];
  } catch (error) {
    // The statement that failed skipped the rest of the message, COMMIT included.
    await client.query('rollback').then(
      () => client.release(),
      (rollbackError: Error) => client.release(rollbackError),
    );
    throw error;
  }
  client.release();
  if (!Array.isArray(results) || results.length !== 4) throw new Error(`a scoped read ran ${Array.isArray(results) ? results.length : 1} statements, not 4`);
  return read.result(results[2]!.rows as Row[]);
}
