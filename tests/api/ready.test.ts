import { createServer } from 'node:net';
import { sql } from 'kysely';
import t from 'tap';
import { testApp } from '../support/app.ts';
import { testDatabase } from '../support/database.ts';
import { faultProxy } from '../support/fault-proxy.ts';

const freePort = () => new Promise<number>((done) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => done(port));
  });
});

t.test('/ready answers from the monitor\'s cached state: no database work per call; database down → 503', async (t) => {
  const database = await testDatabase(t);
  const proxy = await faultProxy(t, { host: '127.0.0.1', port: Number(new URL(database.url).port || 5432) });
  const { app } = await testApp(t, { DATABASE_URL: proxy.through(database.url), DATABASE_CONNECT_TIMEOUT_MS: '300', READY_REFRESH_MS: '60000' }, { database });
  const first = await app.inject({ url: '/ready' });
  t.equal(first.statusCode, 200);
  t.match(first.json(), { status: 'ready', database: 'up', readModels: 'current' });

  const accepted = proxy.stats().accepted;
  await proxy.refuse(true);
  proxy.cutAll();
  for (let i = 0; i < 200; i += 1) t.equal((await app.inject({ url: '/ready' })).statusCode, 200, `call ${i}: the cached state, the database untouched`);
  t.equal(proxy.stats().accepted, accepted, 'no connection was opened by 200 calls');

  await app.readiness.refresh();
  const down = await app.inject({ url: '/ready' });
  t.equal(down.statusCode, 503, 'the monitor saw the database down: this instance cannot serve');
  t.match(down.json(), { status: 'not_ready', database: 'down' });
  await proxy.refuse(false);
  await app.readiness.refresh();
  t.equal((await app.inject({ url: '/ready' })).statusCode, 200, 'and up again');
});

t.test('a failed or lagging read model is reported per projector, 200: stale, not unable to serve', async (t) => {
  const { app, database } = await testApp(t, { READY_MAX_LAG_EVENTS: '0', READY_REFRESH_MS: '60000' });
  await sql`insert into projection_checkpoints (name, version, state, last_error) values ('subscriptions', 1, 'failed', 'boom')
            on conflict (name) do update set state = 'failed', last_error = 'boom'`.execute(database.db);
  await app.readiness.refresh();
  const ready = await app.inject({ url: '/ready' });
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { status: 'ready', database: 'up', readModels: 'stale' });
  t.match(ready.json().projections.find((p: { name: string }) => p.name === 'subscriptions'), { state: 'failed', stale: true, lastError: 'boom', haltedAt: null, parked: 0 });
  t.ok(typeof ready.json().checkedAt === 'string', 'says when the state was taken');
});

t.test('READY_REFRESH_MS: the monitor refreshes on its own', async (t) => {
  const { app, database } = await testApp(t, { READY_REFRESH_MS: '100' });
  t.equal((await app.inject({ url: '/ready' })).json().readModels, 'current');
  await sql`insert into projection_checkpoints (name, version, state, last_error) values ('creators', 1, 'failed', 'x')
            on conflict (name) do update set state = 'failed'`.execute(database.db);
  let seen = 'current';
  for (let i = 0; i < 50 && seen === 'current'; i += 1) {
    await new Promise((done) => setTimeout(done, 50));
    seen = (await app.inject({ url: '/ready' })).json().readModels;
  }
  t.equal(seen, 'stale');
});

t.test('METRICS_TOKEN: /metrics needs the bearer token', async (t) => {
  const token = 'metrics-token-of-at-least-32-characters-long';
  const { app } = await testApp(t, { METRICS_TOKEN: token });
  const anonymous = await app.inject({ url: '/metrics' });
  t.equal(anonymous.statusCode, 401);
  t.equal(anonymous.json().code, 'AUTH.METRICS_TOKEN');
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
  const scraped = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
  t.equal(scraped.statusCode, 200);
  t.match(scraped.body, /substream_http_requests_total/);
});

t.test('METRICS_PORT: /metrics is served on its own port, not on the API\'s', async (t) => {
  const metricsPort = await freePort();
  const { app } = await testApp(t, { METRICS_PORT: String(metricsPort) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  t.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404, 'not on the API port');
  const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  t.equal(scraped.status, 200);
  t.match(await scraped.text(), /substream_http_requests_total/);
  await app.close();
  await t.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`), 'closed with the app');
});
