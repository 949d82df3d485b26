import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { loadRelayCheckpoint } from '../../integration/checkpoint.ts';
import { KAFKA_RELAY, runRelay } from '../../integration/relay.ts';
import { createDb } from '../../platform/database.ts';
import { runExpirySweeper } from '../../projections/subscriptions/expiry-sweeper.ts';
import { TEST_SERVER_URL, testDatabase } from '../support/database.ts';
import { faultProxy } from '../support/fault-proxy.ts';
import { pendingSubscription } from '../support/pending-subscription.ts';
import { eventually } from '../support/projection-runs.ts';
import { recordingPublisher } from '../support/recording-publisher.ts';
import { appendMixedLog } from '../support/relay-events.ts';

// Background work other than projectors (tests/faults/projector-faults.test.ts) through a TCP proxy
// that cuts PostgreSQL connections: each loop must outlive the cuts, without a process restart,
// and end where a run without faults ends.
const server = new URL(TEST_SERVER_URL);
const target = { host: server.hostname, port: Number(server.port || 5432) };

t.test('the Kafka relay survives connection cuts: every published event reaches the broker, none is skipped, the checkpoint reaches the head', async (t) => {
  const { db: direct, url } = await testDatabase(t);
  const { ids } = await appendMixedLog(createPostgresEventStore(direct), 60);
  const proxy = await faultProxy(t, target);
  const db = createDb({ url: proxy.through(url), max: 2, connectTimeoutMs: 300, statementTimeoutMs: 2_000 });
  t.teardown(() => db.destroy());
  const publisher = recordingPublisher();
  // The "broker" is slow enough that cuts land while batches are in flight.
  publisher.onSend = () => sleep(15);
  const controller = new AbortController();
  const running = runRelay(db, publisher, { name: KAFKA_RELAY, topicPrefix: 'substream.', batchSize: 10, pollIntervalMs: 20, signal: controller.signal });
  for (let round = 0; round < 4; round++) {
    await sleep(60);
    proxy.cutMidQuery(1);
    await sleep(60);
    proxy.cutAll();
  }
  const done = await eventually(async () => (await loadRelayCheckpoint(direct, KAFKA_RELAY))?.eventsPublished === ids.length, 30_000);
  controller.abort();
  await running;
  const delivered = publisher.batches.flat().map((m) => m.headers['event-id']);
  t.ok(proxy.stats().accepted > 1, `${proxy.stats().accepted} connections, ${proxy.stats().cutMidQuery} queries cut in flight`);
  t.ok(done, 'the checkpoint counted every published event');
  t.same([...new Set(delivered)].sort(), [...ids].sort(), 'every event reached the broker (at least once)');
  t.ok(delivered.length - ids.length <= 10 * 8, `redeliveries bounded by the batches in flight at the cuts (${delivered.length - ids.length})`);
});

t.test('the expiry sweeper survives connection cuts and an outage: a due intent is expired once the database answers again', async (t) => {
  const { db: direct, url } = await testDatabase(t);
  const store = createPostgresEventStore(direct);
  const proxy = await faultProxy(t, target);
  const db = createDb({ url: proxy.through(url), max: 2, connectTimeoutMs: 300, statementTimeoutMs: 2_000 });
  t.teardown(() => db.destroy());
  const { streamId } = await pendingSubscription(direct, store);
  await sleep(1_100); // past the 1 s time to live
  await proxy.refuse(true);
  proxy.cutAll();
  const controller = new AbortController();
  const running = runExpirySweeper(db, createPostgresEventStore(db), { intervalMs: 50, signal: controller.signal });
  await sleep(400);
  t.same((await store.readStream(streamId)).map((e) => e.type), ['SubscriptionRequested'], 'nothing happens while the database is unreachable');
  await proxy.refuse(false);
  const expired = await eventually(async () => (await store.readStream(streamId)).some((e) => e.type === 'SubscriptionExpired'), 15_000);
  controller.abort();
  await running;
  t.ok(expired, 'the loop kept going through the outage and expired the intent after it');
  t.equal((await store.readStream(streamId)).filter((e) => e.type === 'SubscriptionExpired').length, 1, 'exactly once');
});
