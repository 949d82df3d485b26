import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import t from 'tap';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { loadRelayCheckpoint } from '../../integration/checkpoint.ts';
import { createKafkaPublisher } from '../../integration/kafka/publisher.ts';
import { relayBatch } from '../../integration/relay.ts';
import { testDatabase } from '../support/database.ts';
import { appendMixedLog } from '../support/relay-events.ts';

// KAFKA_BROKERS=127.0.0.1:9092 (e.g. `docker compose up kafka` with a host listener, or
// `docker run -p 9092:9092 apache/kafka:3.9.0`) runs the adapter's contract against a real broker.
const brokers = process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean);

t.test('the adapter against an unreachable broker: the send rejects instead of hanging', async (t) => {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  const publisher = createKafkaPublisher({ brokers: [`127.0.0.1:${port}`], clientId: 'substream-test', retries: 1, connectionTimeoutMs: 500 });
  t.teardown(() => publisher.close());
  await t.rejects(publisher.publish([{ topic: 'substream-test.x', key: 'k', value: '{}', headers: {} }]), /ECONNREFUSED|Connection error/);
});

if (!brokers?.length) {
  t.test('kafkajs adapter against a real broker', { skip: 'KAFKA_BROKERS is not set: no Kafka broker to run the adapter contract against' }, () => {});
} else {
  t.test('kafkajs adapter against a real broker: acknowledged, keyed, ordered per key, headers and value intact', async (t) => {
    const { db } = await testDatabase(t);
    const { ids, streamIds } = await appendMixedLog(createPostgresEventStore(db), 6);
    const prefix = `substream-test-${randomBytes(4).toString('hex')}.`;
    const topic = `${prefix}subscription`;
    const kafka = new Kafka({ clientId: 'substream-contract-test', brokers, logLevel: logLevel.ERROR });
    const admin = kafka.admin();
    await admin.connect();
    t.teardown(async () => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    });
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

    const publisher = createKafkaPublisher({ brokers, clientId: 'substream-contract-test' });
    t.teardown(() => publisher.close());
    while (!(await relayBatch(db, publisher, { name: 'kafka', topicPrefix: prefix, batchSize: 10 })).caughtUp);
    t.equal((await loadRelayCheckpoint(db, 'kafka'))?.eventsPublished, ids.length, 'every batch acknowledged and checkpointed');

    const received: { partition: number; message: KafkaMessage }[] = [];
    const consumer = kafka.consumer({ groupId: `${prefix}contract` });
    await consumer.connect();
    t.teardown(() => consumer.disconnect());
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void received.push({ partition, message }) });
    const until = Date.now() + 30_000;
    while (received.length < ids.length && Date.now() < until) await sleep(100);
    await sleep(500);

    const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();
    t.equal(received.length, ids.length, 'each message once on a fresh topic');
    t.same(new Set(received.map((r) => header(r.message, 'event-id'))), new Set(ids));
    for (const streamId of streamIds) {
      const mine = received.filter((r) => r.message.key?.toString() === streamId);
      t.equal(new Set(mine.map((r) => r.partition)).size, 1, `${streamId}: one partition`);
      t.same(mine.map((r) => Number(header(r.message, 'stream-revision'))), [0, 1, 2, 3], `${streamId}: in order`);
    }
    const billed = received.find((r) => header(r.message, 'event-type') === 'SubscriptionBilled')!.message;
    t.match(JSON.parse(billed.value!.toString()), { type: 'SubscriptionBilled', data: { amount: '170141183460469231731687303715884105727' } }, 'the value is the public JSON, amounts as strings');
    t.ok(header(billed, 'tenant-id') && header(billed, 'global-position'), 'tenant and position headers');
  });
}
