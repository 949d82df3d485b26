import { sql, type Kysely } from 'kysely';

/**
 * The event log. `transaction_id` (xid8) lets readers of the global log stop below the oldest
 * in-flight transaction, so an event that commits late is never skipped.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table events (
      global_position bigint generated always as identity primary key,
      transaction_id xid8 not null default pg_current_xact_id(),
      event_id uuid not null,
      stream_id text not null,
      stream_revision bigint not null,
      type text not null,
      data jsonb not null,
      metadata jsonb not null,
      recorded_at timestamptz not null default now(),
      constraint events_event_id_key unique (event_id),
      constraint events_stream_revision_key unique (stream_id, stream_revision)
    )`.execute(db);
  await sql`create index events_transaction_position_idx on events (transaction_id, global_position)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table events`.execute(db);
}
