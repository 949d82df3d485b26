import { sql, type Kysely } from 'kysely';

/**
 * One row per projector: the log position its read model has absorbed, committed in the same
 * transaction as the read-model writes, so a restart resumes exactly after the last batch.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table projection_checkpoints (
      name text primary key,
      version integer not null,
      position_commit xid8 not null default '0'::xid8,
      position_prepare bigint not null default 0,
      state text not null default 'rebuilding' check (state in ('live', 'rebuilding', 'failed')),
      last_error text,
      events_processed bigint not null default 0,
      updated_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table projection_checkpoints`.execute(db);
}
