import { sql, type Kysely } from 'kysely';

/** Indexer jobs (`live`, `replay:<source>:<from>-<to>`): checkpoint and the ledger ranges processed. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table indexer_checkpoints (
      job text primary key,
      last_ledger bigint not null,
      cursor text,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table indexer_ranges (
      job text not null,
      from_ledger bigint not null,
      to_ledger bigint not null,
      constraint indexer_ranges_order check (from_ledger <= to_ledger),
      primary key (job, from_ledger)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table indexer_ranges`.execute(db);
  await sql`drop table indexer_checkpoints`.execute(db);
}
