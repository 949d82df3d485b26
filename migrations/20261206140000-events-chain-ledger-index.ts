import { sql, type Kysely } from 'kysely';

/**
 * The ledger clock of as-of reads (projections/as-of/ledger-clock.ts): chain facts by ledger, so
 * "the close time of the last ledger at or before N" and "the first ledger after it" are one
 * index lookup each instead of a scan of the log. The API reads the indexer's processed ranges to
 * say whether an as-of answer is complete (no gap up to its bound).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists events_chain_ledger_idx on events (((metadata->'chain'->>'ledger')::bigint))
    where metadata ? 'chain'`.execute(db);
  await sql`grant select on indexer_ranges to substream_api`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`revoke select on indexer_ranges from substream_api`.execute(db);
  await sql`drop index if exists events_chain_ledger_idx`.execute(db);
}
