/**
 * Runs the relay to the end of the log and exits: the child process of the relay crash test.
 * Its publisher is a test double of Kafka that appends each acknowledged message to an NDJSON
 * file, then waits SLOW_MS before the checkpoint commits (the window a crash can hit).
 * Env: DATABASE_URL, OUT, BATCH_SIZE, SLOW_MS.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Publisher } from '../../integration/publisher.ts';
import { KAFKA_RELAY, relayBatch } from '../../integration/relay.ts';
import { createDb } from '../../platform/database.ts';
import './test-master-key.ts';

const db = createDb({ url: process.env.DATABASE_URL!, max: 2 });
const slowMs = Number(process.env.SLOW_MS ?? 0);
const fileBroker: Publisher = {
  async publish(messages) {
    const lines = messages.map((m) => `${JSON.stringify({ id: m.headers['event-id'], key: m.key, revision: Number(m.headers['stream-revision']) })}\n`);
    appendFileSync(process.env.OUT!, lines.join(''));
    await sleep(slowMs);
  },
  async close() {},
};
const options = { name: KAFKA_RELAY, topicPrefix: 'test.', batchSize: Number(process.env.BATCH_SIZE ?? 20) };
while (!(await relayBatch(db, fileBroker, options)).caughtUp);
await db.destroy();
