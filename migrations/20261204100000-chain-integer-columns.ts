import { sql, type Kysely } from 'kysely';

/**
 * Columns that hold a chain u32 (plan ids, ledger numbers: up to 4,294,967,295) become `bigint`:
 * PostgreSQL's `integer` stops at 2,147,483,647, and a fact past it stopped its projector for good.
 * A rebuild's copy (`<table>__next`), if one is in progress, is widened too, so its swap sees no drift.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['subscriptions', 'subscriptions__next']) {
    await sql`alter table if exists ${sql.table(table)}
      alter column plan_id type bigint, alter column confirmed_ledger type bigint`.execute(db);
  }
  for (const table of ['streams', 'streams__next']) {
    await sql`alter table if exists ${sql.table(table)} alter column created_ledger type bigint`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table streams alter column created_ledger type integer`.execute(db);
  await sql`alter table subscriptions alter column plan_id type integer, alter column confirmed_ledger type integer`.execute(db);
}
