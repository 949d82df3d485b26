import { sql } from 'kysely';
import type { Conn } from './types.ts';

export interface PolicyRow {
  name: string;
  permissive: boolean;
  cmd: string;
  roles: string;
  using: string | null;
  check: string | null;
}

export interface GrantRow {
  grantee: string;
  privilege: string;
  grantable: boolean;
}

/**
 * Each row-level security policy of `table` (expressions through `pg_get_expr`), by name.
 *
 * @example const [p] = await policiesOf(db, 'creators'); // { name: 'creators_directory', cmd: 'select', roles: 'public', using: 'true', … }
 */
export async function policiesOf(conn: Conn, table: string): Promise<PolicyRow[]> {
  const { rows } = await sql<PolicyRow>`
    select p.polname as name, p.polpermissive as permissive,
      case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end as cmd,
      coalesce((select string_agg(case when r = 0 then 'public' else quote_ident(pg_get_userbyid(r)) end, ', ' order by r) from unnest(p.polroles) r), 'public') as roles,
      pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as check
    from pg_policy p where p.polrelid = ${table}::regclass order by p.polname`.execute(conn);
  return rows;
}

/**
 * Each table-level grant on `table` to a role other than its owner (grantee quoted, `public` for PUBLIC).
 *
 * @example await grantsOf(db, 'creators'); // [{ grantee: 'substream_api', privilege: 'SELECT', grantable: false }]
 */
export async function grantsOf(conn: Conn, table: string): Promise<GrantRow[]> {
  const { rows } = await sql<GrantRow>`
    select case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end as grantee,
      a.privilege_type as privilege, a.is_grantable as grantable
    from pg_class c cross join lateral aclexplode(c.relacl) a
    where c.oid = ${table}::regclass and a.grantee <> c.relowner order by 1, 2`.execute(conn);
  return rows;
}

/**
 * Each user trigger of `table`: its definition, and the qualified table name as it appears in it.
 *
 * @example (await triggersOf(db, 'creators'))[0]?.def; // 'CREATE TRIGGER creators_touch BEFORE UPDATE ON public.creators FOR EACH ROW …'
 */
export async function triggersOf(conn: Conn, table: string): Promise<{ def: string; qualified: string }[]> {
  const { rows } = await sql<{ def: string; qualified: string }>`
    select pg_get_triggerdef(t.oid) as def, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as qualified
    from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    where t.tgrelid = ${table}::regclass and not t.tgisinternal order by t.tgname`.execute(conn);
  return rows;
}

/**
 * Each column of `table` in order, as `name type [not null] [default …]`.
 *
 * @example await columnsOf(db, 'creators'); // ['tenant_id text not null', 'address text not null', …]
 */
export async function columnsOf(conn: Conn, table: string): Promise<string[]> {
  const { rows } = await sql<{ column: string }>`
    select quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
      || case when a.attnotnull then ' not null' else '' end
      || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') as column
    from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped
    order by a.attnum`.execute(conn);
  return rows.map((r) => r.column);
}

/**
 * Each constraint of `table`: a check (or other) by its name and definition (the clone copies its name), one
 * backed by an index (primary key, unique, exclusion) by its definition (it takes the index's name at the swap).
 *
 * @example await constraintsOf(db, 'creators'); // ['creators_check CHECK ((address = tenant_id))', 'PRIMARY KEY (address)', …]
 */
export async function constraintsOf(conn: Conn, table: string): Promise<string[]> {
  const { rows } = await sql<{ constraint: string }>`
    select case when contype in ('p', 'u', 'x') then pg_get_constraintdef(oid)
      else quote_ident(conname) || ' ' || pg_get_constraintdef(oid) end as constraint
    from pg_constraint where conrelid = ${table}::regclass order by 1`.execute(conn);
  return rows.map((r) => r.constraint);
}

/**
 * Whether row-level security is enabled and forced on `table`.
 *
 * @example await rowSecurityOf(db, 'creators'); // { enabled: true, forced: true }
 */
export async function rowSecurityOf(conn: Conn, table: string): Promise<{ enabled: boolean; forced: boolean }> {
  const { rows } = await sql<{ enabled: boolean; forced: boolean }>`
    select relrowsecurity as enabled, relforcerowsecurity as forced from pg_class where oid = ${table}::regclass`.execute(conn);
  return rows[0]!;
}
