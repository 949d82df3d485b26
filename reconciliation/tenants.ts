import { sql } from 'kysely';
import type { Db } from '../platform/database.ts';

/**
 * Every tenant with books to reconcile: the creators named by subscription events of the log
 * (chain facts may name a creator that never registered), with the registered ones.
 *
 * @example for (const tenant of await tenantsWithBooks(db)) await reconcileTenant(deps, tenant, 'cli', range);
 */
export async function tenantsWithBooks(db: Db): Promise<string[]> {
  const { rows } = await sql<{ tenant: string }>`
    select distinct data->>'creator' as tenant from events
    where type in ('SubscriptionRequested', 'SubscriptionActivated', 'SubscriptionBilled') and data->>'creator' is not null
    union select address from creators order by 1`.execute(db);
  return rows.map((r) => r.tenant);
}
