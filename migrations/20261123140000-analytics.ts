import { sql, type Kysely } from 'kysely';

/**
 * Analytics read models, under the same row-level security as 20261123120100-read-models.ts:
 *
 * - `analytics_view_heatmap`: watched seconds and view counts per (tenant, content, 1 s position);
 *   queries aggregate to any coarser bucket.
 * - `analytics_subscription_facts`: one row per subscription fact (status, rate or token change,
 *   dated by the fact's own timestamp), keyed by global position; counts, MRR and churn at any
 *   moment are computed from it.
 * - `analytics_daily_amounts`: stroops billed (`revenue`) and withdrawn from streams
 *   (`withdrawals`) per tenant and UTC day.
 *
 * Tenant policy on `tenant_id`; the owner writes only inside a projector transaction.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table analytics_view_heatmap (
      tenant_id text not null check (tenant_id <> ''),
      content_id text not null,
      position_second integer not null check (position_second >= 0),
      watched_seconds numeric not null default 0,
      views bigint not null default 0,
      primary key (tenant_id, content_id, position_second)
    )`.execute(db);
  await sql`
    create table analytics_subscription_facts (
      global_position bigint primary key,
      tenant_id text not null check (tenant_id <> ''),
      subscription_id text not null,
      at timestamptz not null,
      kind text not null,
      status text check (status in ('active', 'trialing', 'grace', 'cancelled')),
      token text,
      rate_per_second numeric
    )`.execute(db);
  await sql`create index analytics_subscription_facts_tenant_idx on analytics_subscription_facts (tenant_id, subscription_id, at)`.execute(db);
  await sql`create index analytics_subscription_facts_cancel_idx on analytics_subscription_facts (tenant_id, at) where status = 'cancelled'`.execute(db);
  await sql`
    create table analytics_daily_amounts (
      tenant_id text not null check (tenant_id <> ''),
      metric text not null check (metric in ('revenue', 'withdrawals')),
      day date not null,
      amount numeric not null default 0,
      events bigint not null default 0,
      primary key (tenant_id, metric, day)
    )`.execute(db);

  const { rows } = await sql<{ owner: string }>`select current_user as owner`.execute(db);
  const writer = sql`current_setting('app.projection_writer', true) = 'on'`;
  for (const table of ['analytics_view_heatmap', 'analytics_subscription_facts', 'analytics_daily_amounts']) {
    const t = sql.table(table);
    await sql`alter table ${t} enable row level security`.execute(db);
    await sql`alter table ${t} force row level security`.execute(db);
    await sql`revoke all on ${t} from public`.execute(db);
    await sql`grant select on ${t} to substream_api`.execute(db);
    await sql`create policy ${sql.id(`${table}_projection_writer`)} on ${t} for all to ${sql.id(rows[0]!.owner)}
      using (${writer}) with check (${writer})`.execute(db);
    await sql`create policy ${sql.id(`${table}_tenant`)} on ${t} for select
      using (tenant_id = current_setting('app.current_tenant_id', true))`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table analytics_daily_amounts`.execute(db);
  await sql`drop table analytics_subscription_facts`.execute(db);
  await sql`drop table analytics_view_heatmap`.execute(db);
}
