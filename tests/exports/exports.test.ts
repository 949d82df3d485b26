import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import t from 'tap';
import { claimExport, renewExportLease } from '../../exports/jobs.ts';
import { exportStore } from '../../exports/object-store.ts';
import { runNextExport } from '../../exports/worker.ts';
import { loadConfig } from '../../platform/config.ts';
import type { Db } from '../../platform/database.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { localExportBucket } from './s3rver.ts';

// Exports end to end: the real API on a real database, a real local S3 server (s3rver), the
// worker, the presigned URL downloaded over HTTP.

const A = randomAccount();
const B = randomAccount();
const TOKEN = 'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC';
/** More digits than a double holds: must come out exact. */
const HUGE = '123456789012345678901234567890';

async function seed(db: Db) {
  for (const [tenant, description] of [[A, 'say "hi", then\r\nleave'], [B, 'B-SECRET']] as const) {
    await sql`insert into invoice_links (tenant_id, id, slug, creator, receiver, token, amount, duration_seconds, description, status, expires_at, created_at, updated_at)
      values (${tenant}, ${`link-${tenant}`}, ${`slug-${tenant.slice(0, 11)}`}, ${tenant}, ${'receiver'}, ${TOKEN}, ${HUGE}, 60, ${description}, 'DRAFT',
        '2026-02-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.5Z')`.execute(db);
    await sql`insert into analytics_daily_amounts (tenant_id, metric, day, token, amount, events)
      values (${tenant}, 'revenue', '2026-01-02', ${TOKEN}, ${tenant === A ? HUGE : '7'}, 3),
             (${tenant}, 'revenue', '2026-03-02', ${TOKEN}, 1, 1)`.execute(db);
  }
}

t.test('a tenant exports its own rows, exactly, through a presigned URL', async (t) => {
  const bucket = await localExportBucket(t);
  const { app, database, token } = await testApp(t, bucket);
  await seed(database.db);
  const store = exportStore(loadConfig(bucket))!;
  t.teardown(() => store.destroy());
  const asA = { authorization: `Bearer ${await token(A, A)}` };
  const asB = { authorization: `Bearer ${await token(B, B)}` };

  const download = async (exportId: string, headers = asA) => {
    while (await runNextExport({ db: app.services.db, store, leaseSeconds: 30 }));
    const status = await app.inject({ method: 'GET', url: `/v1/exports/${exportId}`, headers });
    t.equal(status.statusCode, 200, status.body);
    const body = status.json();
    t.equal(body.status, 'ready', `export ready: ${status.body}`);
    const response = await fetch(body.url);
    t.equal(response.status, 200, 'the presigned URL downloads');
    return { body, text: gunzipSync(Buffer.from(await response.arrayBuffer())).toString('utf8') };
  };
  const queue = async (payload: object, headers = asA) => {
    const response = await app.inject({ method: 'POST', url: '/v1/exports', headers, payload });
    t.equal(response.statusCode, 202, response.body);
    t.equal(response.json().status, 'queued');
    return response.json().exportId as string;
  };

  const csvId = await queue({ dataset: 'invoice-links', format: 'csv' });
  const csv = await download(csvId);
  t.equal(csv.text, [
    'id,slug,receiver,token,amount,durationSeconds,description,status,payer,txHash,expiresAt,createdAt,updatedAt',
    `link-${A},slug-${A.slice(0, 11)},receiver,${TOKEN},${HUGE},60,"say ""hi"", then\r\nleave",DRAFT,,,2026-02-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.500Z`,
    '',
  ].join('\r\n'), 'CSV: exactly A\'s row, quoted per RFC 4180, the amount exact with its token');
  t.notMatch(csv.text, /B-SECRET/, 'no row of another tenant');
  t.same(csv.body.progress, { rows: '1' });
  t.match(new URL(csv.body.url).searchParams.get('X-Amz-Expires'), '86400', 'the URL is valid 24 h');

  const ndjsonId = await queue({ dataset: 'billing', format: 'ndjson', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' });
  const ndjson = await download(ndjsonId);
  t.equal(ndjson.text, `${JSON.stringify({ day: '2026-01-02', metric: 'revenue', token: TOKEN, amount: HUGE, events: '3' })}\n`,
    'NDJSON: A\'s one row in the range, amount as an exact decimal string');

  const jsonId = await queue({ dataset: 'billing', format: 'json' });
  const json = JSON.parse((await download(jsonId)).text);
  t.same(json.map((r: { amount: string }) => r.amount), [HUGE, '1'], 'JSON: A\'s rows only');

  const asOther = await app.inject({ method: 'GET', url: `/v1/exports/${csvId}`, headers: asB });
  t.equal(asOther.statusCode, 404, 'another tenant\'s export is not found');
  t.equal(asOther.json().code, 'EXPORT.NOT_FOUND');
  const listB = await app.inject({ method: 'GET', url: '/v1/exports', headers: asB });
  t.same(listB.json().items, [], 'B lists none of A\'s exports');
  const listA = await app.inject({ method: 'GET', url: '/v1/exports', headers: asA });
  t.same(listA.json().items.map((i: { exportId: string }) => i.exportId).sort(), [csvId, ndjsonId, jsonId].sort());

  const bId = await queue({ dataset: 'invoice-links', format: 'ndjson' }, asB);
  const forB = await download(bId, asB);
  t.match(forB.text, /B-SECRET/, 'B gets its own row');
  t.notMatch(forB.text, /say/, 'and never A\'s');
});

t.test('a job is claimed by one worker at a time; an expired lease is resumed by another', async (t) => {
  const bucket = await localExportBucket(t);
  const { app, database, token } = await testApp(t, bucket);
  await seed(database.db);
  const store = exportStore(loadConfig(bucket))!;
  t.teardown(() => store.destroy());
  const asA = { authorization: `Bearer ${await token(A, A)}` };
  const db = app.services.db;
  const queued = await app.inject({ method: 'POST', url: '/v1/exports', headers: asA, payload: { dataset: 'invoice-links', format: 'ndjson' } });
  const exportId = queued.json().exportId as string;

  const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => claimExport(db, `racer-${i}`, 30)));
  const winners = claims.filter((c) => c !== undefined);
  t.equal(winners.length, 1, 'six concurrent claims: exactly one gets the job');
  t.equal(winners[0]!.id, exportId);
  t.equal(await claimExport(db, 'late', 30), undefined, 'a held lease is not claimed again');

  // The winner dies: its lease runs out.
  const dead = winners[0]!.lease_owner!;
  await sql`update export_jobs set lease_expires_at = now() - interval '1 second' where id = ${exportId}`.execute(database.db);
  const running = await app.inject({ method: 'GET', url: `/v1/exports/${exportId}`, headers: asA });
  t.equal(running.json().status, 'running');

  t.equal(await runNextExport({ db, store, leaseSeconds: 30, worker: 'rescuer' }), true, 'another worker takes the expired job');
  t.equal(await renewExportLease(db, exportId, dead, 30, 1n), false, 'the dead worker, back, no longer holds the lease');
  const done = (await app.inject({ method: 'GET', url: `/v1/exports/${exportId}`, headers: asA })).json();
  t.equal(done.status, 'ready');
  t.equal(done.attempts, 2, 'restarted once');
  const text = gunzipSync(Buffer.from(await (await fetch(done.url)).arrayBuffer())).toString('utf8');
  t.equal(text.trim().split('\n').length, 1, 'the restarted export holds A\'s one row, once');

  // A job whose every lease expires is failed after MAX_EXPORT_ATTEMPTS, not retried forever.
  const again = (await app.inject({ method: 'POST', url: '/v1/exports', headers: asA, payload: { dataset: 'billing', format: 'csv' } })).json().exportId;
  for (let i = 0; i < 3; i += 1) {
    t.ok(await claimExport(db, `crasher-${i}`, 30), `crash ${i + 1}: claimed`);
    await sql`update export_jobs set lease_expires_at = now() - interval '1 second' where id = ${again}`.execute(database.db);
  }
  t.equal(await claimExport(db, 'next', 30), undefined, 'nothing left to claim');
  const failed = (await app.inject({ method: 'GET', url: `/v1/exports/${again}`, headers: asA })).json();
  t.same([failed.status, failed.reason], ['failed', 'the export was interrupted 3 times']);
});

t.test('without EXPORT_S3_BUCKET exports answer 503 EXPORTS.DISABLED; bad input is 400', async (t) => {
  const { app, token } = await testApp(t);
  const headers = { authorization: `Bearer ${await token(A, A)}` };
  for (const [method, url] of [['POST', '/v1/exports'], ['GET', '/v1/exports'], ['GET', `/v1/exports/${crypto.randomUUID()}`]] as const) {
    const response = await app.inject({ method, url, headers, ...(method === 'POST' ? { payload: { dataset: 'billing', format: 'csv' } } : {}) });
    t.equal(response.statusCode, 503, `${method} ${url}`);
    t.equal(response.json().code, 'EXPORTS.DISABLED');
    t.type(response.json().message, 'string');
  }
  const bucket = { EXPORT_S3_BUCKET: 'exports' };
  const { app: enabled, token: tokenOf } = await testApp(t, bucket);
  const auth = { authorization: `Bearer ${await tokenOf(A, A)}` };
  for (const payload of [{ dataset: 'views', format: 'csv' }, { dataset: 'billing', format: 'xml' }, { dataset: 'billing', format: 'csv', from: 'yesterday' },
    { dataset: 'billing', format: 'csv', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, { dataset: 'billing', format: 'csv', extra: 1 },
    { dataset: 'view-events', format: 'csv', from: '2026-01-01T00:00:00Z' }]) {
    const response = await enabled.inject({ method: 'POST', url: '/v1/exports', headers: auth, payload });
    t.equal(response.statusCode, 400, JSON.stringify(payload));
    t.equal(response.json().code, 'VALIDATION.FAILED');
  }
});
