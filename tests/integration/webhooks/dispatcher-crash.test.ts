import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { createPostgresEventStore } from '../../../eventstore/postgres/store.ts';
import { loadRelayCheckpoint } from '../../../integration/checkpoint.ts';
import { WEBHOOK_DISPATCHER } from '../../../integration/webhooks/dispatcher.ts';
import { testApp } from '../../support/app.ts';
import { runDispatcherChild } from '../../support/dispatcher-crash.ts';
import { appendMixedLog } from '../../support/relay-events.ts';
import { address } from '../../support/subscription-events.ts';
import { deliverUntil, registerEndpoint, testWorkerOptions } from '../../support/webhook-flow.ts';
import { webhookReceiver } from '../../support/webhook-receiver.ts';

// The dispatcher in a child process, SIGKILLed while a batch is open: it has written that batch's
// delivery rows and waits to move its checkpoint (the test holds a lock on the checkpoint table).
const BATCH = 20;
const runChild = runDispatcherChild;

t.test('a dispatcher killed mid-batch loses nothing and writes nothing twice: each event reaches the receiver once', async (t) => {
  const { app, token, database: { db, url, name } } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const creator = address('crash-creator');
  const receiver = await webhookReceiver(t);
  const { id, secret } = await registerEndpoint(app, `Bearer ${await token(creator, creator)}`, receiver.url);
  const { ids, streamIds } = await appendMixedLog(createPostgresEventStore(db), 20, 'crash');
  const deliveryRows = async () => Number((await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  const first = runChild({ DATABASE_URL: url, BATCH_SIZE: String(BATCH), MAX_BATCHES: '3' });
  t.equal(await first.exited, 0, 'three batches dispatched');
  const before = await loadRelayCheckpoint(db, WEBHOOK_DISPATCHER);
  t.equal(before?.eventsPublished, await deliveryRows(), 'the checkpoint counts the rows written');
  t.ok(before!.eventsPublished > 0 && before!.eventsPublished < ids.length, `mid-backlog (${before?.eventsPublished} of ${ids.length})`);

  const blocker = new pg.Client({ connectionString: url });
  await blocker.connect();
  t.teardown(() => blocker.end());
  await blocker.query('begin');
  await blocker.query('lock table outbox_checkpoints in exclusive mode');
  const second = runChild({ DATABASE_URL: url, BATCH_SIZE: String(BATCH) });
  const until = Date.now() + 20_000;
  let waiting = false;
  while (!waiting && Date.now() < until) {
    // Not on the blocker: inside its transaction, pg_stat_activity is a snapshot taken at first use.
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = ${name} and wait_event_type = 'Lock' and query like 'insert into outbox_checkpoints%'`.execute(db);
    waiting = rows[0]!.n > 0;
    if (!waiting) await sleep(10);
  }
  t.ok(waiting, 'the second dispatcher wrote its batch and waits to move its checkpoint');
  second.kill();
  t.equal(await second.exited, null, 'killed mid-batch');
  await blocker.query('rollback');
  t.equal(await deliveryRows(), before!.eventsPublished, 'the killed batch left no delivery rows');
  t.same((await loadRelayCheckpoint(db, WEBHOOK_DISPATCHER))?.position, before?.position, 'nor moved the checkpoint');

  const third = runChild({ DATABASE_URL: url, BATCH_SIZE: String(BATCH) });
  t.equal(await third.exited, 0, 'the restart runs to the end');
  t.equal(await deliveryRows(), ids.length, 'one delivery row per event');
  t.equal((await loadRelayCheckpoint(db, WEBHOOK_DISPATCHER))?.eventsPublished, ids.length);

  // A deadline a loaded machine cannot miss: an attempt timed out after the receiver got it is
  // sent again (at least once), which is not what this test is about.
  await deliverUntil(db, testWorkerOptions({ timeoutMs: 5_000 }), () => receiver.received.length >= ids.length);
  await sleep(100);
  t.equal(receiver.received.length, ids.length, 'each event delivered once');
  t.same(new Set(receiver.received.map((r) => r.eventId)), new Set(ids), 'none lost');
  for (const streamId of streamIds) {
    const revisions = receiver.received.map((r) => JSON.parse(r.body)).filter((e) => e.streamId === streamId).map((e) => e.revision);
    t.same(revisions, [0, 1, 2, 3], `${streamId.slice(0, 30)}…: in order`);
  }
  t.ok(id && secret, 'the endpoint was registered through the API');
});
