import { sql, type Kysely } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';

/**
 * `fn` in a transaction as `substream_api` (row-level security applies), with `settings` set
 * locally; `repeatableRead` gives every statement of `fn` one snapshot.
 *
 * @example await asApiRole(db, { 'app.current_tenant_id': tenant }, (trx) => trx.selectFrom('export_jobs').selectAll().execute());
 */
export async function asApiRole<T>(
  db: Db, settings: Record<string, string>, fn: (trx: Kysely<Database>) => Promise<T>, options: { repeatableRead?: boolean } = {},
): Promise<T> {
  const transaction = options.repeatableRead ? db.transaction().setIsolationLevel('repeatable read') : db.transaction();
  return transaction.execute(async (trx) => {
    await sql`select set_config('role', 'substream_api', true)`.execute(trx);
    for (const [name, value] of Object.entries(settings)) await sql`select set_config(${name}, ${value}, true)`.execute(trx);
    return fn(trx);
  });
}
