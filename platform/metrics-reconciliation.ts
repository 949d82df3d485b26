import { sql } from 'kysely';
import { asApiRole } from './api-role.ts';
import type { Db } from './database.ts';

/**
 * Over each tenant's latest finished reconciliation run (the metrics policy of
 * reconciliation_runs): the discrepancies found, and the tenants whose run was incomplete.
 * Never throws: an older schema or a failed query reads as nothing.
 *
 * @example const { discrepancies, incomplete } = await readReconciliation(db);
 */
export async function readReconciliation(db: Db): Promise<{ discrepancies: number; incomplete: number } | undefined> {
  try {
    return await asApiRole(db, { 'app.reconciliation_metrics': 'on' }, async (trx) => {
      const { rows } = await sql<{ discrepancies: string; incomplete: string }>`
        with latest as (select distinct on (tenant_id) discrepancies, complete from reconciliation_runs
                        where status = 'finished' order by tenant_id, created_at desc)
        select coalesce(sum(discrepancies), 0)::text as discrepancies, count(*) filter (where not complete)::text as incomplete from latest`.execute(trx);
      const row = rows[0]!;
      return { discrepancies: Number(row.discrepancies), incomplete: Number(row.incomplete) };
    });
  } catch {
    return undefined;
  }
}
