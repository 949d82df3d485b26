import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import t from 'tap';
import pg from 'pg';
import { testDatabase, TEST_SERVER_URL } from '../support/database.ts';

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
      r.rolpassword is not null as has_password,
      array(select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid where m.member = r.oid order by 1)::text[] as groups
    from pg_authid r where r.rolname = $1`, [name])).rows[0]);
  t.same(role, { login: true, superuser: false, bypassrls: false, createrole: false, createdb: false, has_password: true, groups: ['substream_projector'] });

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
