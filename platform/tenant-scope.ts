import { sql, type Kysely } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';

/** Whose rows a read-write transaction of the API may touch (row-level security decides). */
export interface TenantScope {
  /** The tenant whose rows are visible and writable. */
  tenantId?: string;
  /** The hash of an API key being authenticated: that one key's row is visible before its tenant is known. */
  apiKeyHash?: string;
}

/**
 * Runs `fn` in one read-write transaction as `substream_api` with the tenant (and the API key hash
 * being looked up) set transaction-locally, for the API's own tables under forced row-level
 * security (`api_keys`, `webhook_endpoints`, `webhook_deliveries`): a statement in `fn` that
 * forgets its `where tenant_id` still sees only the scope's rows. Read models take `withReadScope`.
 *
 * @example const keys = await withTenantScope(db, { tenantId }, (trx) => trx.selectFrom('api_keys').selectAll().execute());
 */
export function withTenantScope<T>(db: Db, scope: TenantScope, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('role', 'substream_api', true),
      set_config('app.current_tenant_id', ${scope.tenantId ?? ''}, true),
      set_config('app.api_key_hash', ${scope.apiKeyHash ?? ''}, true)`.execute(trx);
    return fn(trx);
  });
}
