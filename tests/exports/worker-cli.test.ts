import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';
import { loginRoleUrl } from '../support/login-roles.ts';
import { localExportBucket } from './s3rver.ts';

const cli = new URL('../../bin/substream.ts', import.meta.url).pathname;

t.test('substream worker without EXPORT_S3_BUCKET exits 2 and says what to set', async (t) => {
  const result = spawnSync(process.execPath, [cli, 'worker'], { encoding: 'utf8', env: { ...process.env, EXPORT_S3_BUCKET: '' } });
  t.equal(result.status, 2);
  t.match(result.stderr, /EXPORT_S3_BUCKET is unset/);
});

t.test('substream worker, logged in as the API role, runs a queued export and stops on SIGTERM', async (t) => {
  const bucket = await localExportBucket(t);
  const { app, database, token } = await testApp(t, bucket);
  const tenant = randomAccount();
  const headers = { authorization: `Bearer ${await token(tenant, tenant)}` };
  const queued = await app.inject({ method: 'POST', url: '/v1/exports', headers, payload: { dataset: 'streams', format: 'csv' } });
  t.equal(queued.statusCode, 202, queued.body);
  const child = spawn(process.execPath, [cli, 'worker'], {
    env: { ...process.env, ...bucket, DATABASE_URL: await loginRoleUrl('substream_api', database.url), EXPORT_POLL_MS: '50', LOG_LEVEL: 'warn', JWT_SECRET: 'worker-cli-test-secret-at-least-32-chars' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit');
  t.teardown(() => child.kill('SIGKILL'));

  let status = 'queued';
  for (let i = 0; i < 200 && status !== 'ready' && status !== 'failed'; i += 1) {
    await sleep(100);
    status = (await app.inject({ method: 'GET', url: `/v1/exports/${queued.json().exportId}`, headers })).json().status;
  }
  t.equal(status, 'ready', `the worker process ran the job ${output}`);
  child.kill('SIGTERM');
  const [code] = await exited;
  t.equal(code, 0, `stopped cleanly ${output}`);
});
