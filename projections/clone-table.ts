import { sql } from 'kysely';
import type { Conn } from './types.ts';

interface PolicyRow {
  name: string;
  permissive: boolean;
  cmd: string;
  roles: string;
  using: string | null;
  check: string | null;
}

/**
 * Creates `next` as an empty copy of the read-model table `live`: columns, defaults, checks,
 * indexes (`like … including all`), row-level security enabled and forced, every policy
 * (`pg_policy`, expressions through `pg_get_expr`), every grant and every trigger. What `like`
 * does not copy (foreign keys, column-level grants) read models do not use.
 *
 * @example await cloneTable(trx, 'subscriptions', 'subscriptions__next');
 */
export async function cloneTable(conn: Conn, live: string, next: string): Promise<void> {
  const from = sql.table(live);
  const to = sql.table(next);
  await sql`create table ${to} (like ${from} including all)`.execute(conn);
  await sql`alter table ${to} enable row level security`.execute(conn);
  await sql`alter table ${to} force row level security`.execute(conn);

  const { rows: policies } = await sql<PolicyRow>`
    select p.polname as name, p.polpermissive as permissive,
      case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end as cmd,
      coalesce((select string_agg(case when r = 0 then 'public' else quote_ident(pg_get_userbyid(r)) end, ', ') from unnest(p.polroles) r), 'public') as roles,
      pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as check
    from pg_policy p where p.polrelid = ${live}::regclass order by p.polname`.execute(conn);
  for (const p of policies) {
    const using = p.using === null ? sql`` : sql` using (${sql.raw(p.using)})`;
    const check = p.check === null ? sql`` : sql` with check (${sql.raw(p.check)})`;
    await sql`create policy ${sql.id(p.name)} on ${to} as ${sql.raw(p.permissive ? 'permissive' : 'restrictive')}
      for ${sql.raw(p.cmd)} to ${sql.raw(p.roles)}${using}${check}`.execute(conn);
  }

  // Start from no grant at all (default privileges may have added some), then copy the live table's.
  const acl = (table: string) => sql<{ grantee: string; privilege: string; grantable: boolean }>`
    select case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end as grantee,
      a.privilege_type as privilege, a.is_grantable as grantable
    from pg_class c cross join lateral aclexplode(c.relacl) a
    where c.oid = ${table}::regclass and a.grantee <> c.relowner`;
  const { rows: stray } = await acl(next).execute(conn);
  for (const grantee of new Set(stray.map((g) => g.grantee))) await sql`revoke all on ${to} from ${sql.raw(grantee)}`.execute(conn);
  const { rows: grants } = await acl(live).execute(conn);
  for (const g of grants) {
    await sql`grant ${sql.raw(g.privilege)} on ${to} to ${sql.raw(g.grantee)}${sql.raw(g.grantable ? ' with grant option' : '')}`.execute(conn);
  }

  const { rows: triggers } = await sql<{ def: string; qualified: string; target: string }>`
    select pg_get_triggerdef(t.oid) as def, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as qualified,
      quote_ident(n.nspname) || '.' || quote_ident(${next}) as target
    from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    where t.tgrelid = ${live}::regclass and not t.tgisinternal order by t.tgname`.execute(conn);
  for (const t of triggers) {
    await sql.raw(t.def.replace(` ON ${t.qualified} `, ` ON ${t.target} `)).execute(conn);
  }
}
