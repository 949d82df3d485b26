import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import t from 'tap';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { LogPosition } from '../../eventstore/types.ts';
import { loadRelayCheckpoint } from '../../integration/checkpoint.ts';
import type { Publisher } from '../../integration/publisher.ts';
import { relayBatch, runRelay, type RelayOptions } from '../../integration/relay.ts';
import type { Db } from '../../platform/database.ts';
import { testDatabase } from '../support/database.ts';
import { recordingPublisher } from '../support/recording-publisher.ts';
import { appendMixedLog, viewEvent } from '../support/relay-events.ts';
import { address } from '../support/subscription-events.ts';

// Kafka cannot run here: the relay loop is tested against the real PostgreSQL log with a
// recording test double of the Publisher port (tests/support/recording-publisher.ts).

async function logEnd(db: Db): Promise<LogPosition> {
  const { rows } = await sql<{ commit: string; prepare: string }>`select transaction_id::text as commit, global_position::text as prepare
    from events order by transaction_id desc, global_position desc limit 1`.execute(db);
  return { commit: BigInt(rows[0]!.commit), prepare: BigInt(rows[0]!.prepare) };
}

/** relayBatch until the visible end of the log; the number of batches it took. */
async function drain(db: Db, publisher: Publisher, options: RelayOptions): Promise<number> {
  let batches = 0;
  for (;;) {
    const step = await relayBatch(db, publisher, options);
    if (step.read > 0) batches += 1;
    if (step.caughtUp) return batches;
  }
}

const revisionsByKey = (messages: { key: string; headers: Record<string, string> }[]) => {
  const byKey = new Map<string, number[]>();
  for (const m of messages) byKey.set(m.key, [...(byKey.get(m.key) ?? []), Number(m.headers['stream-revision'])]);
  return byKey;
};

t.test('publishes every selected event once, in log order, and moves past the private types', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const { ids, streamIds } = await appendMixedLog(store, 6);
  const publisher = recordingPublisher();
  const options = { name: 'test', topicPrefix: 'test.', batchSize: 7 };
  const batches = await drain(db, publisher, options);
  const messages = publisher.batches.flat();
  t.equal(batches, Math.ceil((ids.length * 2) / 7), '48 events scanned 7 at a time');
  t.same(messages.map((m) => m.headers['event-id']), ids, 'each published event once, in log order');
  t.notOk(messages.some((m) => m.headers['event-type'] === 'ViewEventsRecorded'), 'ViewEventsRecorded stays private');
  for (const streamId of streamIds) t.same(revisionsByKey(messages).get(streamId), [0, 1, 2, 3], `${streamId}: revisions in order under one key`);
  const checkpoint = await loadRelayCheckpoint(db, 'test');
  t.same(checkpoint?.position, await logEnd(db), 'the checkpoint is past the last event, a private one');
  t.equal(checkpoint?.eventsPublished, ids.length);
  t.equal(checkpoint?.lastError, null);

  await drain(db, publisher, options);
  t.equal(publisher.batches.flat().length, ids.length, 'a second run publishes nothing again');
  const other = recordingPublisher();
  await drain(db, other, { ...options, name: 'other' });
  t.equal(other.batches.flat().length, ids.length, 'another relay name has its own checkpoint and starts at the log start');
});

t.test('the checkpoint moves only after the send succeeds; a failed send is sent again', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const { ids } = await appendMixedLog(store, 3);
  const publisher = recordingPublisher();
  const options = { name: 'kafka', topicPrefix: 'test.', batchSize: 10 };

  publisher.failNext(1);
  await t.rejects(relayBatch(db, publisher, options), /broker unavailable/);
  const failed = await loadRelayCheckpoint(db, 'kafka');
  t.same(failed?.position, { commit: 0n, prepare: 0n }, 'a failed send leaves the checkpoint at the start');
  t.match(failed?.lastError, /broker unavailable/, 'and records why');
  t.equal(publisher.batches.length, 0);

  const seen: (LogPosition | undefined)[] = [];
  publisher.onSend = async () => void seen.push((await loadRelayCheckpoint(db, 'kafka'))?.position);
  const first = await relayBatch(db, publisher, options);
  t.same(seen, [{ commit: 0n, prepare: 0n }], 'while the broker has not acknowledged, the checkpoint has not moved');
  t.same(publisher.batches[0]!.map((m) => m.headers['event-id']), ids.slice(0, 5), 'the retry sends the same first batch');
  const after = await loadRelayCheckpoint(db, 'kafka');
  t.same(after?.position, first.position, 'moved once acknowledged');
  t.equal(after?.lastError, null, 'the error is cleared');

  publisher.failNext(1);
  await t.rejects(relayBatch(db, publisher, options));
  t.same((await loadRelayCheckpoint(db, 'kafka'))?.position, first.position, 'a failure later keeps the last acknowledged position');
  await drain(db, publisher, options);
  t.same(publisher.batches.flat().map((m) => m.headers['event-id']), ids, 'nothing lost, nothing twice');
});

t.test('runRelay retries a failing broker with backoff, then keeps following the log until aborted', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const { ids } = await appendMixedLog(store, 2);
  const publisher = recordingPublisher();
  publisher.failNext(2);
  const controller = new AbortController();
  const started = Date.now();
  const running = runRelay(db, publisher, { name: 'kafka', topicPrefix: 'test.', batchSize: 100, pollIntervalMs: 20, signal: controller.signal });
  while (publisher.batches.flat().length < ids.length && Date.now() - started < 10_000) await sleep(20);
  t.equal(publisher.attempts, 3, 'two failed sends, then the one that succeeds');
  t.ok(Date.now() - started >= 1_400, 'after backing off 0.5 s and 1 s');
  t.same(publisher.batches.flat().map((m) => m.headers['event-id']), ids);

  const late = await appendMixedLog(store, 1, 'late');
  while (publisher.batches.flat().length < ids.length + late.ids.length && Date.now() - started < 10_000) await sleep(20);
  t.same(publisher.batches.flat().map((m) => m.headers['event-id']), [...ids, ...late.ids], 'events appended later follow');
  controller.abort();
  await running;
  t.pass('resolves once aborted');
});

t.test('an abort during a send abandons it and leaves the checkpoint', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  await store.append(`views-x`, [viewEvent(address('abort'))]);
  await drain(db, recordingPublisher(), { name: 'kafka', topicPrefix: 'test.', batchSize: 10 });
  const before = await loadRelayCheckpoint(db, 'kafka');
  await appendMixedLog(store, 1);
  let sending = false;
  const stuck: Publisher = {
    publish: () => ((sending = true), new Promise<void>(() => {})),
    close: async () => {},
  };
  const controller = new AbortController();
  const running = runRelay(db, stuck, { name: 'kafka', topicPrefix: 'test.', batchSize: 10, signal: controller.signal });
  while (!sending) await sleep(10);
  const abortedAt = Date.now();
  controller.abort();
  await running;
  t.ok(Date.now() - abortedAt < 1_000, 'stops at once, without waiting for the broker');
  const after = await loadRelayCheckpoint(db, 'kafka');
  t.same(after?.position, before?.position, 'the unacknowledged batch is not checkpointed');
  t.equal(after?.lastError, null, 'a stop is not recorded as an error');
});

t.test('two relays under the same name never publish an event twice', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const { ids } = await appendMixedLog(store, 8);
  const [a, b] = [recordingPublisher(), recordingPublisher()];
  const options = { name: 'kafka', topicPrefix: 'test.', batchSize: 5 };
  await Promise.all([drain(db, a, options), drain(db, b, options)]);
  const all = [...a.batches, ...b.batches].flat().map((m) => m.headers['event-id']!);
  t.equal(all.length, ids.length, 'no duplicates');
  t.same(new Set(all), new Set(ids), 'no loss');
  t.ok(a.batches.length > 0 && b.batches.length > 0, `both took turns (${a.batches.length} and ${b.batches.length} batches)`);
});
