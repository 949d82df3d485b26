import { sql } from 'kysely';
import t from 'tap';
import { creatorAnalyticsProjector } from '../../projections/analytics/creator-projector.ts';
import { heatmapProjector } from '../../projections/analytics/heatmap-projector.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, testApp } from '../support/app.ts';

const DAY = 86_400_000;
const BASE = Date.UTC(2026, 10, 2); // a Monday
const iso = (ms: number): string => new Date(ms).toISOString();

async function setup(t: Parameters<typeof testApp>[0]) {
  const harness = await testApp(t);
  const bearer = async (who: string, tenant?: string) => ({ authorization: `Bearer ${await harness.token(who, tenant)}` });
  const project = async () => {
    await catchUp(harness.database.db, heatmapProjector);
    await catchUp(harness.database.db, creatorAnalyticsProjector);
  };
  const viewEventCount = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from events where type = 'ViewEventsRecorded'`.execute(harness.database.db)).rows[0]!.n;
  return { ...harness, bearer, project, viewEventCount };
}

interface View { contentId: string; viewer?: string; positionSeconds: number; watchedSeconds: number; at: string }

/** The test's own heatmap: a plain reduce over the views sent, independent of the projector. */
function expectedHeatmap(views: readonly View[], contentId: string, bucket: number) {
  const sums = views.filter((v) => v.contentId === contentId).reduce((acc, v) => {
    const start = Math.floor(Math.floor(v.positionSeconds) / bucket) * bucket;
    const cur = acc.get(start) ?? { startSecond: start, watchedMs: 0, views: 0 };
    acc.set(start, { startSecond: start, watchedMs: cur.watchedMs + Math.round(v.watchedSeconds * 1000), views: cur.views + 1 });
    return acc;
  }, new Map<number, { startSecond: number; watchedMs: number; views: number }>());
  return [...sums.values()].sort((a, b) => a.startSecond - b.startSecond).map((b) => ({ startSecond: b.startSecond, watchedSeconds: b.watchedMs / 1000, views: b.views }));
}

t.test('view events: one append per batch, heatmap at any bucket, RLS, API-key scopes', async (t) => {
  const { app, database, bearer, project, viewEventCount } = await setup(t);
  const creator = randomAccount();
  const auth = await bearer(creator, creator);
  const views: View[] = Array.from({ length: 500 }, (_, i) => ({
    contentId: i % 3 === 0 ? 'ep-2' : 'ep-1',
    ...(i % 2 === 0 ? { viewer: `viewer-${i % 17}` } : {}),
    positionSeconds: (i * 7) % 600 + (i % 4) * 0.25,
    watchedSeconds: 1 + (i % 5) * 0.5,
    at: iso(BASE + i * 1000),
  }));
  const posted = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', headers: auth, payload: { events: views } });
  t.equal(posted.statusCode, 202, posted.body);
  t.same(posted.json(), { accepted: 500, contents: 2 });
  const stored = await database.db.selectFrom('events').select(['stream_id', 'type']).where('type', '=', 'ViewEventsRecorded').execute();
  t.equal(stored.length, 2, 'one event per content');
  t.equal(new Set(stored.map((e) => e.stream_id)).size, 1, 'in one stream: one append');
  t.match(stored[0]!.stream_id, new RegExp(`^views-${creator}-`));

  await project();
  for (const bucket of [1, 5, 60]) {
    for (const contentId of ['ep-1', 'ep-2']) {
      const got = await app.inject({ method: 'GET', url: `/v1/analytics/heatmap/${contentId}?bucket=${bucket}`, headers: auth });
      t.equal(got.statusCode, 200, got.body);
      t.same(got.json(), { contentId, bucketSeconds: bucket, buckets: expectedHeatmap(views, contentId, bucket) }, `${contentId} at ${bucket} s`);
    }
  }
  const byDefault = (await app.inject({ method: 'GET', url: '/v1/analytics/heatmap/ep-1', headers: auth })).json();
  t.equal(byDefault.bucketSeconds, 5);
  t.same(byDefault.buckets, expectedHeatmap(views, 'ep-1', 5));

  const other = randomAccount();
  const foreign = await app.inject({ method: 'GET', url: '/v1/analytics/heatmap/ep-1', headers: await bearer(other, other) });
  t.same(foreign.json().buckets, [], 'another tenant sees nothing');
  const unscoped = await withReadScope(database.db, {}, (trx) =>
    sql<{ n: number }>`select (select count(*) from analytics_view_heatmap)::int + (select count(*) from analytics_subscription_facts)::int as n`.execute(trx));
  t.equal(unscoped.rows[0]!.n, 0, 'the API role without a tenant sees no row');
  const flags = await sql<{ relname: string; rls: boolean; force: boolean }>`
    select relname, relrowsecurity as rls, relforcerowsecurity as force from pg_class where relname like 'analytics\_%' and relkind = 'r' order by relname`.execute(database.db);
  t.same(flags.rows, ['analytics_daily_amounts', 'analytics_money_tokens', 'analytics_subscription_facts', 'analytics_view_heatmap'].map((relname) => ({ relname, rls: true, force: true })));

  const readOnly = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: auth, payload: { name: 'ro', scopes: ['analytics:read'] } });
  const writer = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: auth, payload: { name: 'player', scopes: ['analytics:write'] } });
  t.equal(writer.statusCode, 201, writer.body);
  const one = { events: [{ contentId: 'ep-3', positionSeconds: 3, watchedSeconds: 2, at: iso(BASE) }] };
  const denied = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', headers: { 'x-api-key': readOnly.json().key }, payload: one });
  t.equal(denied.statusCode, 403);
  t.equal(denied.json().code, 'AUTH.SCOPE_MISSING');
  const byKey = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', headers: { 'x-api-key': writer.json().key }, payload: one });
  t.equal(byKey.statusCode, 202, byKey.body);
  await project();
  const keyed = await app.inject({ method: 'GET', url: '/v1/analytics/heatmap/ep-3?bucket=1', headers: { 'x-api-key': readOnly.json().key } });
  t.same(keyed.json().buckets, [{ startSecond: 3, watchedSeconds: 2, views: 1 }], "stored under the key's tenant");
  const anonymous = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', payload: one });
  t.equal(anonymous.statusCode, 401);
});

t.test('a batch with bad items is rejected whole, each bad item listed by index', async (t) => {
  const { app, bearer, viewEventCount } = await setup(t);
  const creator = randomAccount();
  const auth = await bearer(creator, creator);
  const good = { contentId: 'ep-1', positionSeconds: 1, watchedSeconds: 1, at: iso(BASE) };
  const events = [
    good,
    { ...good, positionSeconds: -1 },
    good,
    { ...good, at: 'yesterday' },
    { ...good, contentId: 'bad id/with slash', watchedSeconds: 'ten' },
    { ...good, extra: true },
    'not an object',
  ];
  const response = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', headers: auth, payload: { events } });
  t.equal(response.statusCode, 400, response.body);
  const body = response.json();
  t.equal(body.code, 'VALIDATION.FAILED');
  t.same([...new Set(body.details.map((d: { index: number }) => d.index))], [1, 3, 4, 5, 6]);
  t.match(body.details, [
    { index: 1, path: '/positionSeconds', reason: String },
    { index: 3, path: '/at', reason: String },
    { index: 4, path: '/contentId' },
    { index: 4, path: '/watchedSeconds' },
    { index: 5, path: '/' },
    { index: 6, path: '/' },
  ]);
  t.equal(await viewEventCount(), 0, 'nothing stored');

  const oneBad = Array.from({ length: 500 }, (_, i) => (i === 250 ? { ...good, watchedSeconds: -3 } : { ...good, positionSeconds: i }));
  const rejected = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', headers: auth, payload: { events: oneBad } });
  t.equal(rejected.statusCode, 400);
  t.same(rejected.json().details.map((d: { index: number; path: string }) => [d.index, d.path]), [[250, '/watchedSeconds']]);
  t.equal(await viewEventCount(), 0, 'one bad item in 500: nothing stored');

  const tooMany = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', headers: auth, payload: { events: Array(501).fill(good) } });
  t.equal(tooMany.statusCode, 400);
  const empty = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', headers: auth, payload: { events: [] } });
  t.equal(empty.statusCode, 400);
  t.equal(await viewEventCount(), 0);
  const badBucket = await app.inject({ method: 'GET', url: '/v1/analytics/heatmap/ep-1?bucket=0', headers: auth });
  t.equal(badBucket.statusCode, 400);
  const badSeries = await app.inject({ method: 'GET', url: `/v1/analytics/creators/me/series?metric=mrr&from=${iso(BASE)}&to=${iso(BASE - DAY)}`, headers: auth });
  t.equal(badSeries.statusCode, 400);
  const badMetric = await app.inject({ method: 'GET', url: `/v1/analytics/creators/me/series?metric=ltv&from=${iso(BASE)}&to=${iso(BASE + DAY)}`, headers: auth });
  t.equal(badMetric.statusCode, 400);
});
