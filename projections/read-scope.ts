import { sql, type Transaction } from 'kysely';
import type { Db } from '../platform/database.ts';
import type { Database } from '../platform/schema.ts';

export interface ReadScope {
  /** The creator (tenant) whose rows the caller may read. */
  tenantId?: string;
  /** The subscriber wallet whose own subscriptions the caller may read across creators. */
  wallet?: string;
}

/**
 * Runs `fn` in one read-only transaction as `substream_api` (no table ownership, no BYPASSRLS),
 * with the tenant and wallet set transaction-locally: row-level security decides every row it
 * sees. With neither set it sees the public creator directory and nothing else.
 *
 * @example const page = await withReadScope(db, { tenantId: creator }, (trx) => listSubscribers(trx, { limit: 50 }));
 */
export async function withReadScope<T>(db: Db, scope: ReadScope, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db
    .transaction()
    .setAccessMode('read only')
    .execute(async (trx) => {
      // One round trip: set_config('role', …, true) is SET LOCAL ROLE.
      await sql`select set_config('role', 'substream_api', true),
        set_config('app.current_tenant_id', ${scope.tenantId ?? ''}, true),
        set_config('app.current_wallet', ${scope.wallet ?? ''}, true)`.execute(trx);
      return fn(trx);
    });
}
