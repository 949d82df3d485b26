import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import t from 'tap';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { observeAppends } from '../../eventstore/observe-appends.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { EventStore } from '../../eventstore/types.ts';
import { openLogSignal } from '../../platform/log-signal.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { connectLive, deltasOf, type LiveConnection } from '../support/live-client.ts';
import { subEvent } from '../support/subscription-events.ts';
import { REDIS_URL, redisPrefix, redisSkip } from '../support/redis.ts';

/** The fallback poll in these tests: anything seen within WAKE_MS came through a wake-up. */
const NEVER_POLLS = '60000';
const WAKE_MS = 10_000;

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return `ws://127.0.0.1:${address.port}`;
}

async function billed(store: EventStore, creator: string, amount: string): Promise<void> {
  const subscriber = randomAccount();
  const event = subEvent('SubscriptionBilled', subscriber, creator, { amount, billedAt: new Date().toISOString(), merchantReferenceId: null, receiptHash: null });
  await store.append(subscriptionStreamId(subscriber, creator), [event]);
}

const amounts = (live: LiveConnection) => deltasOf(live.messages).map((d) => (d.data as { amount: string }).amount);


t.test('a fact appended elsewhere wakes every instance through Redis, long before the fallback poll', { skip: redisSkip }, async (t) => {
  const env = { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t), LIVE_FALLBACK_POLL_MS: NEVER_POLLS };
  const one = await testApp(t, env);
  const two = await testApp(t, env, { database: one.database });
  const creator = randomAccount();
  const jwt = await one.token(creator, creator);
  const clients = await Promise.all([one.app, two.app].map(async (app) => connectLive(await listen(app), jwt)));
  t.teardown(() => clients.forEach((c) => c.close()));
  for (const client of clients) await client.next((m) => m.type === 'ready');

  // As the indexer does: its own store and its own Redis connection, announcing each commit.
  const signal = openLogSignal({ url: REDIS_URL, prefix: env.REDIS_KEY_PREFIX });
  t.teardown(() => signal.close());
  const indexer = observeAppends(createPostgresEventStore(one.database.db), signal.notify);
  await billed(indexer, creator, '1');
  await billed(two.app.services.eventStore, creator, '2');
  for (const [i, client] of clients.entries()) {
    await client.next(() => deltasOf(client.messages).length >= 2, WAKE_MS);
    t.same(amounts(client), ['1', '2'], `instance ${i + 1}: both facts, in order, within ${WAKE_MS} ms with a ${NEVER_POLLS} ms fallback poll`);
  }
});

t.test('without REDIS_URL an append through the API wakes its own feed in-process', async (t) => {
  const { app, token } = await testApp(t, { LIVE_FALLBACK_POLL_MS: NEVER_POLLS });
  const creator = randomAccount();
  const live = await connectLive(await listen(app), await token(creator, creator));
  t.teardown(() => live.close());
  await live.next((m) => m.type === 'ready');
  await billed(app.services.eventStore, creator, '5');
  await live.next((m) => m.type === 'deltas', WAKE_MS);
  t.same(amounts(live), ['5']);
});

t.test('a lost announcement delays a fact until the fallback poll, never loses it', { skip: redisSkip }, async (t) => {
  const { app, token, database } = await testApp(t, { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix(t), LIVE_FALLBACK_POLL_MS: '300' });
  const creator = randomAccount();
  const live = await connectLive(await listen(app), await token(creator, creator));
  t.teardown(() => live.close());
  await live.next((m) => m.type === 'ready');
  // A store nobody observes: its commits are never announced, as if every message were dropped.
  const silent = createPostgresEventStore(database.db);
  await billed(silent, creator, '1');
  await live.next((m) => m.type === 'deltas', 5_000);
  t.same(amounts(live), ['1'], 'the unannounced fact arrives by the fallback poll');
  await billed(silent, creator, '2');
  await billed(app.services.eventStore, creator, '3');
  await live.next(() => deltasOf(live.messages).length >= 3, 5_000);
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.same(amounts(live), ['1', '2', '3'], 'announced or not, each fact once, in log order');
});

t.test('an announced fact hidden behind an older open transaction is read as soon as that commits', async (t) => {
  const { app, token, database } = await testApp(t, { LIVE_FALLBACK_POLL_MS: NEVER_POLLS });
  const creator = randomAccount();
  const live = await connectLive(await listen(app), await token(creator, creator));
  t.teardown(() => live.close());
  await live.next((m) => m.type === 'ready');

  const older = new pg.Client({ connectionString: database.url });
  await older.connect();
  t.teardown(() => older.end());
  await older.query('begin');
  await older.query('select pg_current_xact_id()');
  await billed(app.services.eventStore, creator, '7');
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.same(amounts(live), [], 'not visible while an older transaction is open (the gapless horizon)');
  await older.query('commit');
  await live.next((m) => m.type === 'deltas', WAKE_MS);
  t.same(amounts(live), ['7'], 'delivered by re-reading after the announcement, not by the fallback poll');
});
