import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { observeAppends } from '../../eventstore/observe-appends.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { LogPosition } from '../../eventstore/types.ts';
import { openLogSignal } from '../../platform/log-signal.ts';
import { sweepOnce } from '../../projections/subscriptions/expiry-sweeper.ts';
import { testDatabase } from '../support/database.ts';
import { REDIS_URL, redisPrefix, redisSkip } from '../support/redis.ts';
import { pendingSubscription } from '../support/pending-subscription.ts';

t.test('an expiry the sweeper appends is announced on the log signal, across processes through Redis', { skip: redisSkip }, async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const { streamId } = await pendingSubscription(db, store);

  // As `substream project` does: the sweeper's own store and Redis connection; the API instance listens on its own.
  const prefix = redisPrefix(t);
  const sweeperSignal = openLogSignal({ url: REDIS_URL, prefix });
  const apiSignal = openLogSignal({ url: REDIS_URL, prefix });
  t.teardown(() => Promise.all([sweeperSignal.close(), apiSignal.close()]));
  const heard: (LogPosition | null)[] = [];
  await apiSignal.subscribe((position) => void heard.push(position));

  const result = await sweepOnce(db, observeAppends(store, sweeperSignal.notify), { now: () => '2026-03-01T10:05:00.000Z' });
  t.equal(result.expired, 1, 'the due intent is expired');
  const expired = (await store.readStream(streamId)).at(-1)!;
  t.equal(expired.type, 'SubscriptionExpired', 'the last event of its stream is the expiry');
  for (let waited = 0; heard.length === 0 && waited < 5_000; waited += 10) await sleep(10);
  t.same(heard, [expired.position], 'the API instance hears the position of the expiry, without polling the log');
});
