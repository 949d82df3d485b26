import t from 'tap';
import { sql } from 'kysely';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import type { Db } from '../../platform/database.ts';
import { ensureCheckpoint, loadCheckpoint } from '../../projections/checkpoints.ts';
import { createReadAhead } from '../../projections/read-ahead.ts';
import { catchUp, projectBatch } from '../../projections/runner.ts';
import { createSubscriptionsProjector, subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import type { Projector } from '../../projections/types.ts';
import { testDatabase } from '../support/database.ts';
import { address, appendsFor, at, subEvent } from '../support/subscription-events.ts';

const creator = address('carol');

/** `count` bills of 1 stroop, each for its own wallet (one stream per event, appended in order). */
async function appendBills(db: Db, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await appendToStreams(db, appendsFor([
      subEvent('SubscriptionBilled', address(`w${i}`), creator, { amount: '1', billedAt: at(i), merchantReferenceId: null, receiptHash: null }),
    ]));
  }
}

async function billed(db: Db): Promise<{ bills: string; rows: string }> {
  const { rows } = await sql<{ bills: string; rows: string }>`select sum(bills_count)::text as bills, count(*)::text as rows from subscriptions`.execute(db);
  return rows[0]!;
}

t.test('a batch read ahead is taken only if the checkpoint is still where it started', async (t) => {
  const { db } = await testDatabase(t);
  await appendBills(db, 6);
  await ensureCheckpoint(db, subscriptionsProjector.name, subscriptionsProjector.version);
  const ahead = createReadAhead(db);
  const first = await projectBatch(db, subscriptionsProjector, 2, ahead);
  t.equal(first.read, 2, 'batch 1 read in the transaction; batch 2 read ahead from its end');
  const other = await projectBatch(db, subscriptionsProjector, 2);
  t.equal(other.read, 2, 'another runner applies batch 2 meanwhile');
  const stale = await projectBatch(db, subscriptionsProjector, 2, ahead);
  t.same([stale.read, stale.applied], [2, 2]);
  t.ok(stale.position.commit > other.position.commit, 'the stale read-ahead (batch 2 again) was dropped: batch 3 was read');
  t.equal((await loadCheckpoint(db, subscriptionsProjector.name))!.eventsProcessed, 6);
  t.same(await billed(db), { bills: '6', rows: '6' }, 'every bill applied exactly once');
});

t.test('a read-ahead started by a batch that then fails is never taken: the batch is read again', async (t) => {
  const { db } = await testDatabase(t);
  await appendBills(db, 6);
  const base = createSubscriptionsProjector();
  let failures = 0;
  const flaky: Projector = {
    ...base,
    async apply(trx, events) {
      await base.apply(trx, events);
      // A transient failure (not a ProjectionError) on the second batch, once.
      if (events.some((e) => (e.data as { subscriber: string }).subscriber === address('w2')) && failures++ === 0) throw new Error('connection lost');
    },
  };
  await ensureCheckpoint(db, flaky.name, flaky.version);
  const ahead = createReadAhead(db);
  const first = await projectBatch(db, flaky, 2, ahead);
  await t.rejects(projectBatch(db, flaky, 2, ahead), /connection lost/, 'batch 2 (taken from the read-ahead) fails after starting batch 3 ahead');
  const failed = (await loadCheckpoint(db, flaky.name))!;
  t.same([failed.state, failed.position, failed.eventsProcessed], ['failed', first.position, 2], 'the checkpoint stays after batch 1');
  const retried = await projectBatch(db, flaky, 2, ahead);
  t.same([retried.read, retried.applied], [2, 2]);
  t.same(await billed(db), { bills: '4', rows: '4' }, 'batch 2 was applied on the retry, not skipped for the batch read ahead');
  const rest = await catchUp(db, flaky, { batchSize: 2 });
  t.equal(rest.applied, 2);
  t.same(await billed(db), { bills: '6', rows: '6' });
  t.equal((await loadCheckpoint(db, flaky.name))!.state, 'live');
});
