import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './database.ts';

/** The NOLOGIN group roles the migrations create, one per kind of process (README, "Database roles"). */
export const GROUP_ROLES = ['substream_api', 'substream_projector', 'substream_indexer'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Printable ASCII: what SCRAM's SASLprep leaves as is, so the verifier made here is the one the server expects. */
const PASSWORD = /^[\x21-\x7e]{16,256}$/;
const SCRAM_ITERATIONS = 4096;

/** A refusal the operator must act on (exit 2 in the CLI), not a failure of the database. */
export class LoginRoleRefused extends Error {
  override name = 'LoginRoleRefused';
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, PostgreSQL's
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`): the password itself never reaches
 * the server, its logs or pg_stat_activity, and the statement holds only base64, digits, `$`, `:`.
 */
export function scramVerifier(password: string): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
  const serverKey = createHmac('sha256', salted).update('Server Key').digest('base64');
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey}:${serverKey}`;
}

/**
 * Creates (or updates) `name` as a login role whose only membership is `group`, owning nothing:
 * no superuser, BYPASSRLS or REPLICATION (a new role has none; an existing one with any is
 * refused, never altered: only a superuser may), no CREATEDB or CREATEROLE. Also refused: a role
 * that owns anything (a database, a schema, a table, a function … in any database of the server)
 * or belongs to roles other than the three groups. Its password is set as a SCRAM verifier when
 * given (null: left as is). One transaction, run as a role that may create roles (the owner, a
 * superuser or CREATEROLE); tolerant of a concurrent creation of the same role.
 *
 * @example await ensureLoginRole(ownerDb, 'substream_api', 'api_login', process.env.LOGIN_ROLE_PASSWORD!);
 */
export async function ensureLoginRole(db: Db, group: GroupRole, name: string, password: string | null): Promise<void> {
  if (!GROUP_ROLES.includes(group)) throw new LoginRoleRefused(`${group} is not one of ${GROUP_ROLES.join(', ')}`);
  if (!ROLE_NAME.test(name) || (GROUP_ROLES as readonly string[]).includes(name)) throw new LoginRoleRefused(`${name} is not a usable login role name (lower-case letters, digits, _; not a group)`);
  if (password !== null && !PASSWORD.test(password)) throw new LoginRoleRefused('the password must be 16 to 256 printable ASCII characters, no spaces');
  await db.transaction().execute(async (trx) => {
    const { rows: [existing] } = await sql<{ attributes: boolean; owns: boolean; others: string[] }>`
      select r.rolsuper or r.rolbypassrls or r.rolreplication as attributes,
        exists (select from pg_shdepend d where d.refobjid = r.oid and d.deptype = 'o')
          or exists (select from pg_database where datdba = r.oid) as owns,
        array(select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid
          where m.member = r.oid and g.rolname <> all(${[...GROUP_ROLES]}::text[]))::text[] as others
      from pg_roles r where r.rolname = ${name}`.execute(trx);
    if (existing?.attributes) throw new LoginRoleRefused(`${name} exists as a superuser, with BYPASSRLS or with REPLICATION: refusing to make it a runtime role`);
    if (existing?.owns) throw new LoginRoleRefused(`${name} exists and owns objects (a database, schema, table …): refusing to make it a runtime role`);
    if (existing && existing.others.length > 0) throw new LoginRoleRefused(`${name} exists and belongs to ${existing.others.join(', ')}: refusing to make it a runtime role`);
    if (!existing) {
      await sql`
        do $$ begin
          create role ${sql.id(name)} login;
        exception when duplicate_object or unique_violation then null; -- created concurrently
        end $$`.execute(trx);
    }
    await sql`alter role ${sql.id(name)} login nocreatedb nocreaterole`.execute(trx);
    if (password !== null) await sql`alter role ${sql.id(name)} password ${sql.lit(scramVerifier(password))}`.execute(trx);
    for (const other of GROUP_ROLES) {
      if (other === group) continue;
      const { rows: [held] } = await sql<{ member: boolean }>`
        select exists (select from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles r on r.oid = m.member
          where g.rolname = ${other} and r.rolname = ${name}) as member`.execute(trx);
      if (held?.member) await sql`revoke ${sql.id(other)} from ${sql.id(name)}`.execute(trx);
    }
    await sql`grant ${sql.id(group)} to ${sql.id(name)}`.execute(trx);
  });
}
