import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import t from 'tap';
import { expireExports } from '../../exports/expiry.ts';
import { exportStore } from '../../exports/object-store.ts';
import { runNextExport } from '../../exports/worker.ts';
import { loadConfig } from '../../platform/config.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { localExportBucket } from './s3rver.ts';

// The view-events dataset, and the expiry of old exports: object deleted from the (s3rver)
// bucket, status `expired`, no URL any more.

const A = randomAccount();
const B = randomAccount();

t.test('view-events exports the tenant\'s watch heatmap; an export past its TTL is deleted and expired', async (t) => {
  const bucket = await localExportBucket(t);
  const { app, database, token } = await testApp(t, bucket);
  for (const tenant of [A, B]) {
    await sql`insert into analytics_view_heatmap (tenant_id, content_id, position_second, watched_seconds, views)
      values (${tenant}, ${`content-${tenant === A ? 'a' : 'b'}`}, 3, 12345678901234567890.5, 9007199254740993)`.execute(database.db);
  }
  const store = exportStore(loadConfig(bucket))!;
  t.teardown(() => store.destroy());
  const headers = { authorization: `Bearer ${await token(A, A)}` };
  const queued = await app.inject({ method: 'POST', url: '/v1/exports', headers, payload: { dataset: 'view-events', format: 'ndjson' } });
  t.equal(queued.statusCode, 202, queued.body);
  const exportId = queued.json().exportId as string;
  while (await runNextExport({ db: app.services.db, store, leaseSeconds: 30 }));
  const ready = (await app.inject({ url: `/v1/exports/${exportId}`, headers })).json();
  t.equal(ready.status, 'ready', JSON.stringify(ready));
  const text = gunzipSync(Buffer.from(await (await fetch(ready.url)).arrayBuffer())).toString('utf8');
  t.equal(text, `${JSON.stringify({ contentId: 'content-a', positionSecond: '3', watchedSeconds: '12345678901234567890.5', views: '9007199254740993' })}\n`,
    'A\'s row only, numbers exact');

  t.same(await expireExports({ db: app.services.db, store, ttlHours: 24 }), { expired: 0 }, 'a fresh export stays');
  await sql`update export_jobs set finished_at = now() - interval '25 hours' where id = ${exportId}`.execute(database.db);
  t.same(await expireExports({ db: app.services.db, store, ttlHours: 24 }), { expired: 1 });
  const expired = (await app.inject({ url: `/v1/exports/${exportId}`, headers })).json();
  t.equal(expired.status, 'expired');
  t.equal(expired.url, undefined, 'no link to a deleted object');
  t.equal((await fetch(ready.url)).status, 404, 'the object is gone from the bucket');
  t.same(await expireExports({ db: app.services.db, store, ttlHours: 24 }), { expired: 0 }, 'expired once');
});
