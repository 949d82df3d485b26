import { sql } from 'kysely';
import type { Db } from './database.ts';

/** The NOLOGIN group roles the migrations create, one per kind of process (README, "Database roles"). */
export const GROUP_ROLES = ['substream_api', 'substream_projector', 'substream_indexer'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates (or updates) `name` as a login role whose only membership is `group`: no superuser,
 * no BYPASSRLS, no CREATEDB or CREATEROLE, owning nothing. Its password is set when given (null:
 * left as is, e.g. trust authentication). An existing role that is a superuser, bypasses RLS or
 * owns a table is refused, never downgraded behind the operator's back. Runs as a role that may
 * create roles (the owner); idempotent, and tolerant of a concurrent creation of the same role.
 *
 * @example await ensureLoginRole(ownerDb, 'substream_api', 'api_login', process.env.LOGIN_ROLE_PASSWORD!);
 */
export async function ensureLoginRole(db: Db, group: GroupRole, name: string, password: string | null): Promise<void> {
  if (!GROUP_ROLES.includes(group)) throw new Error(`${group} is not one of ${GROUP_ROLES.join(', ')}`);
  if (!ROLE_NAME.test(name) || (GROUP_ROLES as readonly string[]).includes(name)) throw new Error(`${name} is not a usable login role name (lower-case letters, digits, _; not a group)`);
  const { rows: [existing] } = await sql<{ unsafe: boolean }>`
    select r.rolsuper or r.rolbypassrls or exists (select from pg_class c where c.relowner = r.oid) as unsafe
    from pg_roles r where r.rolname = ${name}`.execute(db);
  if (existing?.unsafe) throw new Error(`${name} exists and is a superuser, bypasses RLS or owns tables: refusing to make it a runtime role`);
  await sql`
    do $$ begin
      if not exists (select from pg_roles where rolname = ${sql.lit(name)}) then
        create role ${sql.id(name)} login nosuperuser nobypassrls nocreatedb nocreaterole;
      end if;
    exception when duplicate_object or unique_violation then null; -- created concurrently
    end $$`.execute(db);
  await sql`alter role ${sql.id(name)} login nosuperuser nobypassrls nocreatedb nocreaterole`.execute(db);
  if (password !== null) await sql`alter role ${sql.id(name)} password ${sql.lit(password)}`.execute(db);
  const { rows: memberships } = await sql<{ group: string }>`
    select g.rolname as group from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles r on r.oid = m.member
    where r.rolname = ${name}`.execute(db);
  for (const { group: other } of memberships) if (other !== group) await sql`revoke ${sql.id(other)} from ${sql.id(name)}`.execute(db);
  if (!memberships.some((m) => m.group === group)) await sql`grant ${sql.id(group)} to ${sql.id(name)}`.execute(db);
}
