import { sql, type Kysely } from 'kysely';

/**
 * Money analytics per token, never summed across tokens:
 *
 * - `analytics_daily_amounts` gains `token` (a contract id; null = not known when the amount was
 *   projected) and is keyed by (tenant, metric, day, token), nulls not distinct. Rows projected
 *   before this migration keep a null token: the `creator-analytics` projector's version goes up
 *   with it, so the model is stale until `substream projections rebuild creator-analytics` (or
 *   PROJECTIONS_AUTO_REBUILD=true) rebuilds it per token.
 * - `analytics_money_tokens`: the token of each event-store stream that moves money (a
 *   subscription, from its intent or activation; a payment stream, from its creation), which the
 *   projector reads to file a bill or a withdrawal under its token. Same row-level security as
 *   20261123140000-analytics.ts.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table analytics_daily_amounts add column token text`.execute(db);
  await sql`alter table analytics_daily_amounts drop constraint analytics_daily_amounts_pkey`.execute(db);
  await sql`alter table analytics_daily_amounts add constraint analytics_daily_amounts_key unique nulls not distinct (tenant_id, metric, day, token)`.execute(db);
  await sql`
    create table analytics_money_tokens (
      stream_id text primary key,
      tenant_id text not null check (tenant_id <> ''),
      token text not null
    )`.execute(db);

  const { rows } = await sql<{ owner: string }>`select current_user as owner`.execute(db);
  const writer = sql`current_setting('app.projection_writer', true) = 'on'`;
  const t = sql.table('analytics_money_tokens');
  await sql`alter table ${t} enable row level security`.execute(db);
  await sql`alter table ${t} force row level security`.execute(db);
  await sql`revoke all on ${t} from public`.execute(db);
  await sql`grant select on ${t} to substream_api`.execute(db);
  await sql`create policy analytics_money_tokens_projection_writer on ${t} for all to ${sql.id(rows[0]!.owner)}
    using (${writer}) with check (${writer})`.execute(db);
  await sql`create policy analytics_money_tokens_tenant on ${t} for select
    using (tenant_id = current_setting('app.current_tenant_id', true))`.execute(db);
}

/** Back to one amount per day: the per-token rows cannot be kept under that key, so the (derived) table is emptied for a rebuild. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table analytics_money_tokens`.execute(db);
  await sql`truncate analytics_daily_amounts`.execute(db);
  await sql`alter table analytics_daily_amounts drop constraint analytics_daily_amounts_key`.execute(db);
  await sql`alter table analytics_daily_amounts drop column token`.execute(db);
  await sql`alter table analytics_daily_amounts add primary key (tenant_id, metric, day)`.execute(db);
}
