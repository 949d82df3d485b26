import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import t from 'tap';
import { testDatabase } from '../support/database.ts';

// The real CLI in a child process: what `serve` does on its own, beyond the app.
const root = fileURLToPath(new URL('../..', import.meta.url));

function serve(args: string[], env: Record<string, string>) {
  const { DATABASE_URL: _unused, NODE_ENV: _mode, ...inherited } = process.env;
  const child = spawn(process.execPath, ['bin/substream.ts', 'serve', ...args], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((done) => child.once('close', done));
  return { child, exited, stderr: () => stderr };
}

t.test('NODE_ENV=production without the shared secrets: serve exits 2 naming each, before touching anything', async (t) => {
  const run = serve(['--port', '0'], { NODE_ENV: 'production', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
  const code = await Promise.race([run.exited, sleep(30_000).then(() => 'hung')]);
  if (code === 'hung') run.child.kill('SIGKILL');
  t.equal(code, 2);
  for (const name of ['JWT_SECRET', 'API_KEY_PEPPER', 'SEP10_SIGNING_SECRET']) t.match(run.stderr(), new RegExp(`${name}: required when NODE_ENV=production`));
});

t.test('serve --no-projectors deletes Idempotency-Key records past retention on its own', async (t) => {
  const { db, url } = await testDatabase(t);
  await sql`insert into idempotency_keys (principal, key, request_hash, method, path, status_code, response_body, created_at, completed_at)
            values ('G', 'old', 'h', 'POST', '/v1/x', 201, '{}', now() - interval '25 hours', now() - interval '25 hours'),
                   ('G', 'new', 'h', 'POST', '/v1/x', 201, '{}', now(), now())`.execute(db);
  const run = serve(['--no-projectors', '--port', '0'], {
    DATABASE_URL: url, JWT_SECRET: 'serve-hardening-test-secret-at-least-32-chars', IDEMPOTENCY_SWEEP_SECONDS: '1',
  });
  t.teardown(() => run.child.kill('SIGKILL'));
  const keys = async () => (await db.selectFrom('idempotency_keys').select('key').orderBy('key').execute()).map((row) => row.key);
  let left = await keys();
  for (let i = 0; i < 150 && left.includes('old'); i += 1) {
    await sleep(100);
    left = await keys();
  }
  t.same(left, ['new'], 'the 25 h record is gone, the fresh one kept');
  run.child.kill('SIGTERM');
  t.equal(await run.exited, 0, `stops cleanly ${run.stderr().slice(-500)}`);
});
