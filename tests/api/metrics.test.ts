import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import metrics from '../../api/plugins/metrics.ts';
import services, { type Services } from '../../api/plugins/services.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { loadConfig } from '../../platform/config.ts';
import { createDb } from '../../platform/database.ts';
import { createMetrics } from '../../platform/metrics.ts';
import { testDatabase } from '../support/database.ts';

/** The plugin on its own Fastify instance with the real services it needs. */
async function metricsApp(t: Test) {
  const database = await testDatabase(t);
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const svc: Services = { config, db: database.db, eventStore: createPostgresEventStore(database.db), jwtSecret: 'x'.repeat(32) };
  const app = Fastify({ logger: false });
  await app.register(services, { services: svc });
  await app.register(metrics);
  app.get('/items/:id', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  app.post('/append', async () => {
    const streamId = `test-${randomUUID()}`;
    const event = { id: randomUUID(), type: 'TestHappened', data: {}, metadata: { source: 'command' as const } };
    await app.services.eventStore.append(streamId, [event], { expectedRevision: 'no_stream' });
    await app.services.eventStore.append(streamId, [event]);
    return { streamId };
  });
  t.teardown(() => app.close());
  return { app, database };
}

/** The value of one series in the text format, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

t.test('counts HTTP requests by route pattern, method and status class (app.inject)', async (t) => {
  const { app } = await metricsApp(t);
  await app.inject({ url: '/items/1' });
  await app.inject({ url: '/items/2' });
  await app.inject({ url: '/boom' });
  await app.inject({ url: '/nope' });
  const res = await app.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const text = res.body;
  t.equal(sample(text, 'substream_http_requests_total', { route: '/items/:id', method: 'GET', status_class: '2xx' }), 2);
  t.equal(sample(text, 'substream_http_requests_total', { route: '/boom', status_class: '5xx' }), 1);
  t.equal(sample(text, 'substream_http_request_errors_total', { route: '/boom' }), 1);
  t.equal(sample(text, 'substream_http_request_errors_total', { route: '/items/:id' }), undefined, 'a 2xx is not an error');
  t.equal(sample(text, 'substream_http_requests_total', { route: 'unmatched', status_class: '4xx' }), 1, 'unknown URLs share one label');
  t.equal(sample(text, 'substream_http_request_duration_seconds_count', { route: '/items/:id' }), 2);
  t.notMatch(text, /\/items\/1/, 'no raw URLs in labels');
  t.ok(sample(text, 'process_cpu_user_seconds_total')! >= 0, 'default process metrics');
  t.ok(sample(text, 'nodejs_eventloop_lag_seconds') !== undefined);
});

t.test('counts event store appends and reads the pool and the log head', async (t) => {
  const { app } = await metricsApp(t);
  t.equal((await app.inject({ method: 'POST', url: '/append' })).statusCode, 200);
  const text = (await app.inject({ url: '/metrics' })).body;
  t.equal(sample(text, 'substream_eventstore_appends_total', { result: 'ok' }), 2);
  t.equal(sample(text, 'substream_eventstore_events_total', { outcome: 'appended' }), 1);
  t.equal(sample(text, 'substream_eventstore_events_total', { outcome: 'already_stored' }), 1, 'the idempotent replay is counted apart');
  t.ok(sample(text, 'substream_eventstore_last_position')! >= 1);
  t.equal(sample(text, 'substream_db_up'), 1);
  t.ok(sample(text, 'substream_db_pool_connections', { state: 'total' })! >= 1);
  t.equal(sample(text, 'substream_db_pool_connections', { state: 'waiting' }), 0);
});

t.test('a conflicting append is counted as a conflict', async (t) => {
  const { app } = await metricsApp(t);
  const event = () => ({ id: randomUUID(), type: 'TestHappened', data: {}, metadata: { source: 'command' as const } });
  await app.services.eventStore.append('conflict-1', [event()], { expectedRevision: 'no_stream' });
  await t.rejects(app.services.eventStore.append('conflict-1', [event()], { expectedRevision: 'no_stream' }));
  const text = (await app.inject({ url: '/metrics' })).body;
  t.equal(sample(text, 'substream_eventstore_appends_total', { result: 'conflict' }), 1);
});

t.test('projector lag and indexer ledgers come from the checkpoint tables', async (t) => {
  const { app, database } = await metricsApp(t);
  const store = createPostgresEventStore(database.db);
  for (let i = 0; i < 3; i++) {
    await store.append(`lag-${i}`, [{ id: randomUUID(), type: 'TestHappened', data: {}, metadata: { source: 'command' } }]);
  }
  await sql`insert into projection_checkpoints (name, version, state) values ('behind', 1, 'rebuilding')`.execute(database.db);
  await sql`insert into projection_checkpoints (name, version, state, last_error) values ('broken', 1, 'failed', 'bad event')`.execute(database.db);
  await sql`insert into projection_checkpoints (name, version, position_commit, position_prepare, state)
    select 'current', 1, transaction_id, global_position, 'live' from events order by global_position desc limit 1`.execute(database.db);
  await sql`insert into indexer_checkpoints (job, last_ledger) values ('live', 123456)`.execute(database.db);
  const text = (await app.inject({ url: '/metrics' })).body;
  t.equal(sample(text, 'substream_projection_lag_events', { projector: 'behind' }), 3);
  t.equal(sample(text, 'substream_projection_lag_events', { projector: 'current' }), 0);
  t.ok(sample(text, 'substream_projection_lag_seconds', { projector: 'behind' })! >= 0);
  t.equal(sample(text, 'substream_projection_lag_seconds', { projector: 'current' }), 0);
  t.equal(sample(text, 'substream_projection_failed', { projector: 'broken' }), 1);
  t.equal(sample(text, 'substream_projection_failed', { projector: 'current' }), 0);
  t.equal(sample(text, 'substream_indexer_processed_ledger', { job: 'live' }), 123456);
  t.ok(sample(text, 'substream_indexer_checkpoint_age_seconds', { job: 'live' })! >= 0);
});

t.test('a scrape works when the tables do not exist and when the database is down', async (t) => {
  const database = await testDatabase(t);
  await sql`drop table projection_checkpoints, indexer_ranges, indexer_checkpoints`.execute(database.db);
  const missing = createMetrics(database.db);
  const text = await missing.registry.metrics();
  t.equal(sample(text, 'substream_db_up'), 1);
  t.notMatch(text, /^substream_projection_lag_events\{/m);
  t.notMatch(text, /^substream_indexer_processed_ledger\{/m);

  const down = createDb({ url: 'postgres://postgres@127.0.0.1:1/none' });
  t.teardown(() => down.destroy());
  const unreachable = await createMetrics(down).registry.metrics();
  t.equal(sample(unreachable, 'substream_db_up'), 0);
});

t.test('/metrics over a real socket, with concurrent traffic', async (t) => {
  const { app } = await metricsApp(t);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${address}/items/${i}`)));
  t.ok(responses.every((r) => r.status === 200));
  const res = await fetch(`${address}/metrics`);
  t.equal(res.status, 200);
  const text = await res.text();
  t.equal(sample(text, 'substream_http_requests_total', { route: '/items/:id', status_class: '2xx' }), 20);
});

t.test('the real app serves /metrics and counts its own routes', async (t) => {
  const { testApp } = await import('../support/app.ts');
  const { app } = await testApp(t);
  t.equal((await app.inject({ url: '/health' })).statusCode, 200);
  await app.inject({ url: '/ready' });
  const res = await app.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.equal(sample(res.body, 'substream_http_requests_total', { route: '/health', method: 'GET', status_class: '2xx' }), 1);
  t.ok(sample(res.body, 'substream_http_requests_total', { route: '/ready' })! >= 1);
  t.equal(sample(res.body, 'substream_db_up'), 1);
  t.match(res.headers['x-request-id'], /.+/, 'the app hooks apply to /metrics too');
  const docs = await app.inject({ url: '/docs/json' });
  if (docs.statusCode === 200) t.notMatch(docs.body, /"\/metrics"/, '/metrics stays out of the OpenAPI document');
});
