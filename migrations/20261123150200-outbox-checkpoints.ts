import { sql, type Kysely } from 'kysely';

/**
 * One row per outbox relay (`kafka`): the log position whose events the broker has acknowledged.
 * Kept apart from `projection_checkpoints` so a relay never counts as a projector in `/ready`,
 * the projection metrics or a rebuild, and a broker outage never makes the API unready.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table outbox_checkpoints (
      name text primary key,
      position_commit xid8 not null default '0'::xid8,
      position_prepare bigint not null default 0,
      events_published bigint not null default 0,
      last_error text,
      updated_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table outbox_checkpoints`.execute(db);
}
