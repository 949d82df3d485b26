import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import { sql } from 'kysely';
import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';
import { loginRoleUrl } from '../support/login-roles.ts';
import { localExportBucket } from './s3rver.ts';

// A dataset far larger than the memory the export may use: `substream worker` runs it with its
// V8 heap capped below the dataset's size (300k rows: ~75 MB of CSV, several times that as JS
// objects), so a worker that held the dataset in memory would die of it. Its peak resident memory is reported.

const ROWS = Number(process.env.EXPORT_TEST_ROWS ?? 300_000);
const HEAP_MB = 128;
const cli = new URL('../../bin/substream.ts', import.meta.url).pathname;

t.test(`a ${ROWS}-row export streams in a worker with a ${HEAP_MB} MB heap and downloads every row`, async (t) => {
  const bucket = await localExportBucket(t);
  const { app, database, token } = await testApp(t, bucket);
  const tenant = randomAccount();
  await sql`insert into invoice_links (tenant_id, id, slug, creator, receiver, token, amount, duration_seconds, description, status, expires_at, created_at, updated_at)
    select ${tenant}, 'link-' || n, 'slug-' || n, ${tenant}, 'receiver-' || n, 'CTOKEN', (n::numeric * 10000000000000000000), 60,
      'row ' || n || ', "quoted"', 'DRAFT', now(), now(), now()
    from generate_series(1, ${ROWS}) n`.execute(database.db);
  await sql`insert into invoice_links (tenant_id, id, slug, creator, receiver, token, amount, duration_seconds, status, expires_at, created_at, updated_at)
    values ('GOTHER', 'other', 'other', 'GOTHER', 'r', 'T', 1, 60, 'DRAFT', now(), now(), now())`.execute(database.db);
  const headers = { authorization: `Bearer ${await token(tenant, tenant)}` };
  const exportId = (await app.inject({ method: 'POST', url: '/v1/exports', headers, payload: { dataset: 'invoice-links', format: 'csv' } })).json().exportId;

  const started = Date.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, cli, 'worker'], {
    env: { ...process.env, ...bucket, DATABASE_URL: await loginRoleUrl('substream_api', database.url), EXPORT_POLL_MS: '50', LOG_LEVEL: 'warn', JWT_SECRET: 'large-export-test-secret-at-least-32-chars' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit');
  t.teardown(() => child.kill('SIGKILL'));
  let done = { status: 'queued' } as { status: string; url: string; progress: { rows: string } };
  while (!['ready', 'failed'].includes(done.status) && child.exitCode === null && child.signalCode === null && Date.now() - started < 150_000) {
    await sleep(200);
    done = (await app.inject({ method: 'GET', url: `/v1/exports/${exportId}`, headers })).json();
  }
  let status = '';
  try {
    status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  } catch {
    status = `(the worker exited: ${child.exitCode ?? child.signalCode})`;
  }
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  child.kill('SIGTERM');
  await exited;
  t.comment(`export of ${ROWS} rows by substream worker: ${Date.now() - started} ms, peak RSS ${(peakKb / 1024).toFixed(0)} MB (heap capped at ${HEAP_MB} MB)`);
  if (done.status !== 'ready') t.comment(`export ${JSON.stringify(done).slice(0, 500)}; worker ${status.slice(0, 100)}; ${output.slice(-2000)}`);
  t.equal(done.status, 'ready', 'the capped worker finished the export');
  t.equal(done.progress.rows, String(ROWS));

  const response = await fetch(done.url);
  let records = 0;
  let last = '';
  let tail = '';
  for await (const chunk of Readable.fromWeb(response.body! as never).pipe(createGunzip())) {
    const lines = (tail + (chunk as Buffer).toString('utf8')).split('\r\n');
    tail = lines.pop()!;
    records += lines.length;
    if (lines.length > 0) last = lines.at(-1)!;
  }
  t.equal(tail, '', 'the file ends with CRLF');
  t.equal(records, ROWS + 1, 'a header and every row, the other tenant\'s excluded');
  t.match(last, new RegExp(`^link-\\d+,slug-\\d+,receiver-\\d+,CTOKEN,\\d+0{19},60,"row \\d+, ""quoted""",DRAFT,`), 'rows intact, amounts exact');
});
