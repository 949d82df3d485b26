import { sql, type Kysely } from 'kysely';

/**
 * The first read models (`creators`, `subscriptions`) under row-level security.
 *
 * - `substream_api` (NOLOGIN, no BYPASSRLS, owns nothing) gets SELECT only; the API switches to it
 *   with `SET LOCAL ROLE` inside each request's transaction (projections/read-scope.ts).
 * - Tenant policy: `tenant_id = current_setting('app.current_tenant_id', true)`.
 * - Wallet policy (subscriptions): `subscriber = current_setting('app.current_wallet', true)`.
 * - `creators` is a public directory: every row is readable by everyone (profile and tiers only).
 * - Writer policy: the owning role (the one running migrations, which projectors use) may write
 *   only inside a transaction that sets `app.projection_writer = on`; with FORCE, a non-superuser
 *   owner sees no subscription outside the projector runner or a read scope (superusers bypass RLS).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    do $$ begin
      if not exists (select from pg_roles where rolname = 'substream_api') then
        create role substream_api nologin nosuperuser nobypassrls;
      end if;
    exception when duplicate_object or unique_violation then null; -- another database created it first
    end $$`.execute(db);
  await sql`
    do $$ begin
      if not pg_has_role(current_user, 'substream_api', 'member') then
        execute format('grant substream_api to %I', current_user);
      end if;
    exception when duplicate_object or unique_violation then null;
    end $$`.execute(db);

  await sql`
    create table creators (
      tenant_id text not null check (tenant_id <> ''),
      address text primary key check (address = tenant_id),
      display_name text,
      tiers jsonb not null default '[]',
      registered_at timestamptz,
      updated_at timestamptz not null
    )`.execute(db);

  await sql`
    create table subscriptions (
      tenant_id text not null check (tenant_id <> ''),
      subscription_id text primary key,
      subscriber text not null check (subscriber <> ''),
      creator text not null check (creator = tenant_id),
      status text not null check (status in ('none', 'pending', 'trialing', 'active', 'grace', 'cancelled', 'expired')),
      tier text,
      token text,
      rate_per_second numeric,
      total_billed numeric not null default 0,
      bills_count integer not null default 0,
      last_billed_at timestamptz,
      next_billing_at timestamptz,
      trial_ends_at timestamptz,
      grace_ends_at timestamptz,
      cancel_requested_at timestamptz,
      cancelled_at timestamptz,
      refund_amount numeric not null default 0,
      tips_total numeric not null default 0,
      confirmed_ledger integer,
      requested_at timestamptz,
      expires_at timestamptz,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`create index subscriptions_tenant_idx on subscriptions (tenant_id, subscription_id)`.execute(db);
  await sql`create index subscriptions_tenant_status_idx on subscriptions (tenant_id, status, subscription_id)`.execute(db);
  await sql`create index subscriptions_subscriber_idx on subscriptions (subscriber, subscription_id)`.execute(db);

  const { rows } = await sql<{ owner: string }>`select current_user as owner`.execute(db);
  const owner = rows[0]!.owner;
  for (const table of ['creators', 'subscriptions']) {
    const t = sql.table(table);
    await sql`alter table ${t} enable row level security`.execute(db);
    await sql`alter table ${t} force row level security`.execute(db);
    await sql`revoke all on ${t} from public`.execute(db);
    await sql`grant select on ${t} to substream_api`.execute(db);
    const writer = sql`current_setting('app.projection_writer', true) = 'on'`;
    await sql`create policy ${sql.id(`${table}_projection_writer`)} on ${t} for all to ${sql.id(owner)}
      using (${writer}) with check (${writer})`.execute(db);
  }
  await sql`grant usage on schema public to substream_api`.execute(db);
  await sql`
    create policy subscriptions_tenant on subscriptions for select
    using (tenant_id = current_setting('app.current_tenant_id', true))`.execute(db);
  await sql`
    create policy subscriptions_wallet on subscriptions for select
    using (subscriber = current_setting('app.current_wallet', true))`.execute(db);
  await sql`
    create policy creators_directory on creators for select
    using (true)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // The role is cluster-wide and shared by other databases: it stays.
  await sql`drop table subscriptions`.execute(db);
  await sql`drop table creators`.execute(db);
}
