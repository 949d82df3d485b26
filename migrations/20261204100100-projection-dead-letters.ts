import { sql, type Kysely } from 'kysely';

/**
 * Events a projector could not apply (projections/failure-policy.ts), one row per projector and log
 * position: `halted` (the projector stopped before it), `parked` (it went on without it), then
 * `retried` (applied later) or `skipped` (resolved without applying) by `substream projections
 * retry|skip <name> <position>`. Operational data, not a read model: no tenant, no RLS; the API
 * role cannot read it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table projection_dead_letters (
      projector text not null,
      position_commit xid8 not null,
      position_prepare bigint not null,
      event_id uuid not null,
      event_type text not null,
      stream_id text not null,
      stream_revision bigint not null,
      status text not null check (status in ('halted', 'parked', 'retried', 'skipped')),
      error text not null,
      attempts integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (projector, position_commit, position_prepare)
    )`.execute(db);
  await sql`revoke all on projection_dead_letters from public`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table projection_dead_letters`.execute(db);
}
