import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { relayBatch } from '../../integration/relay.ts';
import { testApp } from '../support/app.ts';
import { recordingPublisher } from '../support/recording-publisher.ts';
import { appendMixedLog } from '../support/relay-events.ts';

/** The value of one series in the Prometheus text format, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

t.test('/metrics: each relay lags by the events after its checkpoint and the age of the first of them', async (t) => {
  const { app, database } = await testApp(t);
  const { db } = database;
  const scrape = async () => (await app.inject({ url: '/metrics' })).body;
  const { ids } = await appendMixedLog(createPostgresEventStore(db), 3);
  const total = ids.length * 2; // each published event is followed by a private view event

  t.notMatch(await scrape(), /^substream_relay_lag_events\{/m, 'no series before a relay has a checkpoint');
  await sleep(1_100); // the database snapshot is cached for a second

  const publisher = recordingPublisher();
  await relayBatch(db, publisher, { name: 'kafka', topicPrefix: 'substream.', batchSize: 10 });
  publisher.failNext(1);
  await t.rejects(relayBatch(db, publisher, { name: 'down', topicPrefix: 'substream.', batchSize: 10 }), 'a relay whose broker is down…');
  await sleep(50);
  const behind = await scrape();
  t.equal(sample(behind, 'substream_relay_lag_events', { relay: 'kafka' }), total - 10, `the relay past one batch of 10 lags ${total - 10} events (private ones count)`);
  t.ok(sample(behind, 'substream_relay_lag_seconds', { relay: 'kafka' })! >= 0.05, 'and by the age of the first event after its checkpoint');
  t.equal(sample(behind, 'substream_relay_lag_events', { relay: 'down' }), total, '…has a checkpoint at the start of the log and lags the whole log');
  t.ok(sample(behind, 'substream_relay_lag_seconds', { relay: 'down' })! >= sample(behind, 'substream_relay_lag_seconds', { relay: 'kafka' })!, 'its oldest unsent event is older');
  t.equal(sample(behind, 'substream_projection_lag_events', { projector: 'kafka' }), undefined, 'a relay is not a projector');

  for (const name of ['kafka', 'down']) {
    while (!(await relayBatch(db, publisher, { name, topicPrefix: 'substream.', batchSize: 10 })).caughtUp);
  }
  await sleep(1_100);
  const current = await scrape();
  for (const relay of ['kafka', 'down']) {
    t.equal(sample(current, 'substream_relay_lag_events', { relay }), 0, `${relay}: caught up, 0 events`);
    t.equal(sample(current, 'substream_relay_lag_seconds', { relay }), 0, `${relay}: and 0 seconds`);
  }
});
