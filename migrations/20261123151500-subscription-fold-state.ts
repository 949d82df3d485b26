import { sql, type Kysely } from 'kysely';

/**
 * The `subscriptions` read model keeps the whole state of the domain's fold
 * (domain/subscription/state.ts), so the projector folds with the decider's own `evolve`: when
 * the chain fact that last set the status and the rate happened (late, older facts never override
 * them), the activation time, the plan and the tip count. The API does not show these columns.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table subscriptions
      add column status_fact_at timestamptz,
      add column rate_fact_at timestamptz,
      add column activated_at timestamptz,
      add column plan_id integer,
      add column tips_count integer not null default 0`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table subscriptions
      drop column status_fact_at, drop column rate_fact_at, drop column activated_at, drop column plan_id, drop column tips_count`.execute(db);
}
