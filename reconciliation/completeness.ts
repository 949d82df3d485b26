import { sql, type Kysely } from 'kysely';
import { gaps } from '../indexer/checkpoints.ts';
import type { Database } from '../platform/schema.ts';
import type { DayRange, LedgerGap } from './types.ts';

/**
 * The indexed-ledger gaps (`substream indexer gaps`, all jobs together) that may fall in the range,
 * and whether anything was indexed at all. A gap is placed in time by the chain facts recorded
 * around it (the latest closed before it, the earliest after it); one that cannot be placed
 * outside the range counts: a hole is never trusted to be harmless.
 *
 * @example const { indexed, missing } = await missingLedgers(trx, { from: '2026-11-01', to: null });
 */
export async function missingLedgers(trx: Kysely<Database>, range: DayRange): Promise<{ indexed: boolean; missing: LedgerGap[] }> {
  const indexed = (await trx.selectFrom('indexer_ranges').select('job').limit(1).execute()).length > 0;
  const missing: LedgerGap[] = [];
  for (const gap of await gaps(trx, undefined)) {
    if (range.from !== null || range.to !== null) {
      const closedAt = sql`(metadata->'chain'->>'ledgerClosedAt')::timestamptz`;
      const ledger = sql`(metadata->'chain'->>'ledger')::bigint`;
      const { rows } = await sql<{ before: Date | null; after: Date | null }>`
        select (select max(${closedAt}) from events where metadata->>'source' = 'chain' and ${ledger} < ${gap.from}) as before,
               (select min(${closedAt}) from events where metadata->>'source' = 'chain' and ${ledger} > ${gap.to}) as after`.execute(trx);
      const { before, after } = rows[0]!;
      const endsBeforeRange = range.from !== null && after !== null && after.getTime() <= Date.parse(`${range.from}T00:00:00Z`);
      const startsAfterRange = range.to !== null && before !== null && before.getTime() >= Date.parse(`${range.to}T00:00:00Z`);
      if (endsBeforeRange || startsAfterRange) continue;
    }
    missing.push({ fromLedger: gap.from, toLedger: gap.to });
  }
  return { indexed, missing };
}
