import { sql, type Kysely } from 'kysely';

/** SEP-10 challenges issued and not yet expired: each one may be redeemed once. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table sep10_challenges (
      nonce text primary key,
      account text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      consumed_at timestamptz
    )`.execute(db);
  await sql`create index sep10_challenges_expires_at_idx on sep10_challenges (expires_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table sep10_challenges`.execute(db);
}
