import { sql } from 'kysely';
import { grantsOf, policiesOf, rowSecurityOf, triggersOf } from './table-catalogue.ts';
import type { Conn } from './types.ts';

/**
 * Creates `next` as an empty copy of the read-model table `live`: columns, defaults, checks,
 * indexes (`like … including all`), the row-level security enabled and forced flags, every policy
 * (`pg_policy`, expressions through `pg_get_expr`), every grant and every trigger. What `like`
 * does not copy (foreign keys, column-level grants) read models do not use. The rebuild's drift
 * check (projections/schema-drift.ts) compares exactly this list.
 *
 * @example await cloneTable(trx, 'subscriptions', 'subscriptions__next');
 */
export async function cloneTable(conn: Conn, live: string, next: string): Promise<void> {
  const from = sql.table(live);
  const to = sql.table(next);
  await sql`create table ${to} (like ${from} including all)`.execute(conn);
  const security = await rowSecurityOf(conn, live);
  await sql`alter table ${to} ${sql.raw(security.enabled ? 'enable' : 'disable')} row level security`.execute(conn);
  await sql`alter table ${to} ${sql.raw(security.forced ? 'force' : 'no force')} row level security`.execute(conn);

  for (const p of await policiesOf(conn, live)) {
    const using = p.using === null ? sql`` : sql` using (${sql.raw(p.using)})`;
    const check = p.check === null ? sql`` : sql` with check (${sql.raw(p.check)})`;
    await sql`create policy ${sql.id(p.name)} on ${to} as ${sql.raw(p.permissive ? 'permissive' : 'restrictive')}
      for ${sql.raw(p.cmd)} to ${sql.raw(p.roles)}${using}${check}`.execute(conn);
  }

  // Start from no grant at all (default privileges may have added some), then copy the live table's.
  for (const grantee of new Set((await grantsOf(conn, next)).map((g) => g.grantee))) await sql`revoke all on ${to} from ${sql.raw(grantee)}`.execute(conn);
  for (const g of await grantsOf(conn, live)) {
    await sql`grant ${sql.raw(g.privilege)} on ${to} to ${sql.raw(g.grantee)}${sql.raw(g.grantable ? ' with grant option' : '')}`.execute(conn);
  }

  const { rows } = await sql<{ target: string }>`
    select quote_ident(n.nspname) || '.' || quote_ident(${next}) as target
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = ${live}::regclass`.execute(conn);
  for (const t of await triggersOf(conn, live)) {
    await sql.raw(t.def.replace(` ON ${t.qualified} `, ` ON ${rows[0]!.target} `)).execute(conn);
  }
}
