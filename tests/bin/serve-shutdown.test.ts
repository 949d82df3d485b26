import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import t from 'tap';
import { stopBeforeClosing } from '../../bin/commands/serve.ts';
import type { LogPosition } from '../../eventstore/types.ts';
import { runExpirySweeper } from '../../projections/subscriptions/expiry-sweeper.ts';
import { testApp } from '../support/app.ts';
import { pendingSubscription } from '../support/pending-subscription.ts';

t.test('closing the app stops the sweeper first: a sweep in flight is announced on the still-open log signal', async (t) => {
  // Without REDIS_URL the signal is in-process: once closed it drops its listeners, so a late announcement is lost.
  const { app, database } = await testApp(t);
  const { db } = database;
  const store = app.services.eventStore;
  const { streamId } = await pendingSubscription(db, store);
  const heard: (LogPosition | null)[] = [];
  await app.logSignal.subscribe((position) => void heard.push(position));

  // The sweep's append waits on this lock until the sweeper is told to stop: it is in flight when the app closes.
  const blocker = new pg.Client({ connectionString: database.url });
  await blocker.connect();
  t.teardown(() => blocker.end());
  await blocker.query('begin');
  await blocker.query('lock table events in share mode');
  const stop = new AbortController();
  stop.signal.addEventListener('abort', () => void blocker.query('commit'));
  const sweeping = runExpirySweeper(db, store, { intervalMs: 60_000, signal: stop.signal, now: () => '2026-03-01T10:05:00.000Z' });
  stopBeforeClosing(app, stop, sweeping);
  const waiting = async () =>
    (await blocker.query(`select count(*)::int as n from pg_locks where not granted and relation = 'events'::regclass`)).rows[0].n > 0;
  for (let waited = 0; !(await waiting()); waited += 10) {
    if (waited > 10_000) throw new Error('the sweep never reached its append');
    await sleep(10);
  }

  await app.close();
  // As `serve` did before: stop the sweeper only after the app (and its log signal) closed.
  stop.abort();
  await sweeping;
  const expired = (await store.readStream(streamId)).at(-1)!;
  t.equal(expired.type, 'SubscriptionExpired', 'the sweep in flight finished its expiry');
  t.same(heard, [expired.position], 'and announced it before the log signal closed');
});
