import { sql, type Kysely } from 'kysely';

/** The read models of this date (a later one gets its grants and writer policy in its own migration). */
const READ_MODELS = [
  'creators',
  'subscriptions',
  'streams',
  'invoice_links',
  'content',
  'analytics_view_heatmap',
  'analytics_subscription_facts',
  'analytics_daily_amounts',
  'analytics_money_tokens',
];

/** What each role may do to the tables that are not read models. */
const GRANTS: [privileges: string, table: string, role: string][] = [
  ['select, insert', 'events', 'substream_api'],
  ['select, insert, update, delete', 'idempotency_keys', 'substream_api'],
  ['select, insert, update, delete', 'sep10_challenges', 'substream_api'],
  ['select, insert, update', 'api_keys', 'substream_api'],
  ['select', 'projection_checkpoints', 'substream_api'],
  ['select', 'outbox_checkpoints', 'substream_api'],
  ['select', 'indexer_checkpoints', 'substream_api'],
  ['select', 'projection_dead_letters', 'substream_api'],

  ['select, insert', 'events', 'substream_projector'],
  ['select, insert, update', 'projection_checkpoints', 'substream_projector'],
  ['select, insert, update', 'projection_dead_letters', 'substream_projector'],
  ['select, insert, update', 'outbox_checkpoints', 'substream_projector'],

  ['select, insert', 'events', 'substream_indexer'],
  ['select, insert, update', 'indexer_checkpoints', 'substream_indexer'],
  ['select, insert, update', 'indexer_ranges', 'substream_indexer'],
];

const ROLES = ['substream_api', 'substream_projector', 'substream_indexer'];

/**
 * The roles the processes run as, none of which owns anything: only the role running the
 * migrations (the owner) creates, alters and drops tables. Each is a NOLOGIN group role (no
 * BYPASSRLS); a deployment logs in as a login role that is a member of exactly one of them
 * (README, "Database roles"). Roles are cluster-wide, so creating them tolerates another database
 * of the cluster having created them first, even concurrently.
 *
 * - `substream_api`: appends events and reads them back; its idempotency records, SEP-10
 *   challenges and API keys; read models through FORCE ROW LEVEL SECURITY (SELECT only, granted by
 *   earlier migrations); the checkpoints and open dead letters `/ready` and `/metrics` report
 *   (operational rows: no tenant data beyond a stream id and an error message).
 * - `substream_projector`: projectors, the expiry sweeper and the outbox relay: reads (and the
 *   sweeper appends) events; writes read models, under a writer policy of its own that holds only
 *   with `app.projection_writer = on`; its checkpoints and dead letters. A rebuild creates and
 *   swaps tables, so it runs as the owner.
 * - `substream_indexer`: appends chain facts and advances its checkpoint and processed ranges.
 *
 * Also revokes CREATE on schema public from PUBLIC (the PostgreSQL 15 default, explicit for older
 * servers), so a login role cannot create tables of its own.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const role of ROLES) {
    await sql`
      do $$ begin
        if not exists (select from pg_roles where rolname = ${sql.lit(role)}) then
          create role ${sql.id(role)} nologin nosuperuser nobypassrls nocreatedb nocreaterole;
        end if;
      exception when duplicate_object or unique_violation then null; -- another database created it first
      end $$`.execute(db);
    // The owner may SET ROLE to each (read scopes do, and tests check each role's reach).
    await sql`
      do $$ begin
        if not pg_has_role(current_user, ${sql.lit(role)}, 'member') then
          execute format('grant %I to %I', ${sql.lit(role)}, current_user);
        end if;
      exception when duplicate_object or unique_violation then null;
      end $$`.execute(db);
    await sql`grant usage on schema public to ${sql.id(role)}`.execute(db);
  }
  await sql`revoke create on schema public from public`.execute(db);

  for (const [privileges, table, role] of GRANTS) {
    await sql`grant ${sql.raw(privileges)} on ${sql.table(table)} to ${sql.id(role)}`.execute(db);
  }
  const writer = sql`current_setting('app.projection_writer', true) = 'on'`;
  for (const model of READ_MODELS) {
    // A rebuild in progress has a copy (`<table>__next`) that is swapped in later: it gets the same.
    for (const table of [model, `${model}__next`]) {
      const { rows } = await sql<{ exists: boolean }>`select to_regclass(${table}) is not null as exists`.execute(db);
      if (!rows[0]!.exists) continue;
      const t = sql.table(table);
      await sql`grant select, insert, update, delete on ${t} to substream_projector`.execute(db);
      await sql`create policy ${sql.id(`${table}_projector_writer`)} on ${t} for all to substream_projector
        using (${writer}) with check (${writer})`.execute(db);
    }
  }
}

/** Takes the grants and policies back; the roles are cluster-wide and shared by other databases: they stay. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const model of READ_MODELS) {
    for (const table of [model, `${model}__next`]) {
      const { rows } = await sql<{ exists: boolean }>`select to_regclass(${table}) is not null as exists`.execute(db);
      if (!rows[0]!.exists) continue;
      await sql`drop policy if exists ${sql.id(`${table}_projector_writer`)} on ${sql.table(table)}`.execute(db);
      await sql`revoke all on ${sql.table(table)} from substream_projector`.execute(db);
    }
  }
  for (const [, table, role] of GRANTS) {
    await sql`revoke all on ${sql.table(table)} from ${sql.id(role)}`.execute(db);
  }
}
