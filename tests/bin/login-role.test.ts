import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import t from 'tap';
import pg from 'pg';
import { testDatabase, TEST_SERVER_URL } from '../support/database.ts';
import { scramAccepts } from '../support/scram-verify.ts';

t.setTimeout(600_000);

const cli = new URL('../../bin/substream.ts', import.meta.url).pathname;

function run(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_|MIGRATE_ON_START|LOGIN_ROLE_PASSWORD)/.test(k)));
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...clean, JWT_SECRET: 'login-role-test-secret-at-least-32-chars', LOG_LEVEL: 'warn', ...env } });
}

async function onServer<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

t.test('substream login-role makes a login role whose only membership is its group, idempotently', async (t) => {
  const { url } = await testDatabase(t);
  const name = `substream_test_lr_${randomBytes(4).toString('hex')}`;
  t.teardown(() => onServer((c) => c.query(`drop role if exists ${name}`)));

  const first = run(['login-role', 'substream_api', name], { DATABASE_URL: url, LOGIN_ROLE_PASSWORD: 'a-password-of-24-chars!!' });
  t.equal(first.status, 0, first.stderr);
  // A second run (another group) moves it: exactly one membership, never two.
  const again = run(['login-role', 'substream_projector', name], { DATABASE_URL: url, LOGIN_ROLE_PASSWORD: 'another-password-24-chars' });
  t.equal(again.status, 0, again.stderr);
  const role = await onServer(async (c) => (await c.query(`
    select r.rolcanlogin as login, r.rolsuper as superuser, r.rolbypassrls as bypassrls, r.rolcreaterole as createrole, r.rolcreatedb as createdb,
      r.rolreplication as replication, r.rolpassword as password,
      array(select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid where m.member = r.oid order by 1)::text[] as groups
    from pg_authid r where r.rolname = $1`, [name])).rows[0]);
  t.same({ ...role, password: undefined }, { login: true, superuser: false, bypassrls: false, createrole: false, createdb: false, replication: false, password: undefined, groups: ['substream_projector'] });
  t.ok(await scramAccepts(role.password, 'another-password-24-chars'), 'the server stores a SCRAM-SHA-256 verifier the password logs in against');
  t.notOk(await scramAccepts(role.password, 'a-password-of-24-chars!!'), 'and not the replaced one');

  const connected = new URL(url);
  connected.username = name;
  const client = new pg.Client({ connectionString: connected.toString() });
  await client.connect();
  t.teardown(() => client.end());
  await t.rejects(client.query('select * from idempotency_keys'), /permission denied/, 'holds only its group\'s grants');
  t.equal((await client.query('select count(*)::int as n from projection_checkpoints')).rows[0].n >= 0, true, 'reads what the projector group may');
});

t.test('substream login-role refuses bad arguments, short passwords and roles it must not touch', async (t) => {
  const { url } = await testDatabase(t);
  for (const [args, env, why] of [
    [['login-role', 'postgres', 'x_login'], {}, 'not a group'],
    [['login-role', 'substream_api'], {}, 'no name'],
    [['login-role', 'substream_api', 'Bad-Name'], {}, 'not a role name'],
    [['login-role', 'substream_api', 'substream_projector'], {}, 'a group as the login'],
    [['login-role', 'substream_api', 'short_pw_login'], { LOGIN_ROLE_PASSWORD: 'short' }, 'a short password'],
    [['login-role', 'substream_api', 'postgres'], {}, 'a superuser'],
  ] as [string[], Record<string, string>, string][]) {
    const result = run(args, { DATABASE_URL: url, ...env });
    t.equal(result.status, 2, `${why}: exit 2 (${result.stderr.trim().split('\n')[0]})`);
  }
  const super_ = await onServer(async (c) => (await c.query(`select rolsuper from pg_roles where rolname = 'postgres'`)).rows[0].rolsuper);
  t.equal(super_, true, 'the superuser was left as it was');
});

t.test('login-role works for an owner that is not a superuser (CREATEROLE only), in one transaction', async (t) => {
  const { url } = await testDatabase(t);
  const suffix = randomBytes(4).toString('hex');
  const [owner, name] = [`substream_test_owner_${suffix}`, `substream_test_lr_${suffix}`];
  t.teardown(() => onServer(async (c) => {
    await c.query(`drop role if exists ${name}`);
    await c.query(`drop role if exists ${owner}`);
  }));
  await onServer((c) => c.query(`create role ${owner} login createrole`));
  await onServer((c) => c.query(`grant substream_api, substream_projector, substream_indexer to ${owner} with admin option`));
  const asOwner = new URL(url);
  asOwner.username = owner;
  const made = run(['login-role', 'substream_indexer', name], { DATABASE_URL: asOwner.toString(), LOGIN_ROLE_PASSWORD: 'owner-made-password-123' });
  t.equal(made.status, 0, made.stderr);
  const groups = await onServer(async (c) => (await c.query(`select array(select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles r on r.oid = m.member where r.rolname = $1)::text[] as groups`, [name])).rows[0].groups);
  t.same(groups, ['substream_indexer']);
});

t.test('login-role refuses a role that could act beyond its group: replication, owning a database or a schema, other memberships', async (t) => {
  const { url } = await testDatabase(t);
  const suffix = randomBytes(4).toString('hex');
  const roles = {
    replication: `substream_test_repl_${suffix}`,
    databaseOwner: `substream_test_dbo_${suffix}`,
    schemaOwner: `substream_test_so_${suffix}`,
    member: `substream_test_mem_${suffix}`,
  };
  const database = new URL(url).pathname.slice(1);
  const schema = `s_${suffix}`;
  const inDatabase = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  t.teardown(async () => {
    await inDatabase(`drop schema if exists ${schema}`).catch(() => {});
    await onServer(async (c) => {
      await c.query(`alter database ${database} owner to postgres`).catch(() => {});
      for (const role of Object.values(roles)) await c.query(`drop role if exists ${role}`);
    });
  });
  await onServer(async (c) => {
    await c.query(`create role ${roles.replication} login replication`);
    await c.query(`create role ${roles.databaseOwner} login`);
    await c.query(`alter database ${database} owner to ${roles.databaseOwner}`);
    await c.query(`create role ${roles.schemaOwner} login`);
    await c.query(`create role ${roles.member} login in role pg_read_all_data`);
  });
  await inDatabase(`create schema ${schema} authorization ${roles.schemaOwner}`);
  for (const [why, role] of Object.entries(roles)) {
    const result = run(['login-role', 'substream_api', role], { DATABASE_URL: url });
    t.equal(result.status, 2, `${why}: refused (${result.stderr.trim().split('\n')[0]})`);
    const groups = await onServer(async (c) => (await c.query(`select pg_has_role($1, 'substream_api', 'member') as member`, [role])).rows[0].member);
    t.equal(groups, false, `${why}: left out of substream_api`);
  }
});
