import t from 'tap';
import { sql } from 'kysely';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { loadCheckpoint } from '../../projections/checkpoints.ts';
import { createCreatorsProjector, creatorsProjector } from '../../projections/creators/projector.ts';
import { getCreator } from '../../projections/creators/queries.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { rebuildProjector } from '../../projections/rebuild.ts';
import { catchUp, projectBatch, runProjectors } from '../../projections/runner.ts';
import { projectionStatus } from '../../projections/status.ts';
import { createSubscriptionsProjector, subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { getSubscription, listWalletSubscriptions } from '../../projections/subscriptions/queries.ts';
import type { Projector } from '../../projections/types.ts';
import { testDatabase } from '../support/database.ts';
import { address, appendsFor, at, creatorEvent, subEvent } from '../support/subscription-events.ts';

const creator = address('carol');
const alice = address('alice');
const usdc = address('usdc', 'C');

t.test('projects every event type, resumes from its checkpoint, reports status', async (t) => {
  const { db } = await testDatabase(t);
  await appendToStreams(db, appendsFor([
    creatorEvent('CreatorRegistered', creator, { displayName: 'Carol', registeredAt: at(0) }),
    creatorEvent('TiersSet', creator, { tiers: [{ name: 'gold', token: usdc, price: { kind: 'rate', ratePerSecond: '5' } }], setAt: at(1) }),
    subEvent('SubscriptionBilled', alice, creator, { amount: '123456789012345678901234567890', billedAt: at(20), merchantReferenceId: 'r', receiptHash: null }),
    subEvent('SubscriptionActivated', alice, creator, { token: usdc, ratePerSecond: '7', planId: 3, activatedAt: at(10) }, 4242),
  ]));
  const first = await catchUp(db, subscriptionsProjector, { batchSize: 1 });
  t.same({ read: first.read, applied: first.applied, batches: first.batches }, { read: 4, applied: 2, batches: 4 });
  await catchUp(db, createCreatorsProjector(), { batchSize: 100 });

  await appendToStreams(db, appendsFor([
    subEvent('TipReceived', alice, creator, { token: usdc, amount: '5', tippedAt: at(30) }),
    subEvent('CancellationRequested', alice, creator, { requestedAt: at(40) }),
    subEvent('SubscriptionCancelled', alice, creator, { refundAmount: '11', cancelledAt: at(50) }),
  ]));
  t.same((await projectionStatus(db)).map((s) => [s.name, s.lagEvents, s.state]), [['creators', 3, 'live'], ['subscriptions', 3, 'live']]);
  const second = await catchUp(db, subscriptionsProjector, { batchSize: 2 });
  t.equal(second.read, 3, 'only the new events are read');

  const sub = await withReadScope(db, { tenantId: creator }, (trx) => getSubscription(trx, `${alice}-${creator}`));
  t.match(sub, {
    status: 'cancelled', token: usdc, ratePerSecond: '7', totalBilled: '123456789012345678901234567890', billsCount: 1,
    lastBilledAt: at(20), refundAmount: '11', tipsTotal: '5', confirmedLedger: 4242, cancelRequestedAt: at(40), cancelledAt: at(50),
  });
  t.equal(typeof sub!.totalBilled, 'string', 'money comes back as a string');
  t.same(await withReadScope(db, { wallet: alice }, (trx) => listWalletSubscriptions(trx, alice)).then((r) => r.map((s) => s.status)), ['cancelled']);
  const carol = await withReadScope(db, {}, (trx) => getCreator(trx, creator));
  t.match(carol, { address: creator, displayName: 'Carol', registeredAt: at(0), tiers: [{ name: 'gold' }] });

  const status = await projectionStatus(db);
  t.match(status.find((s) => s.name === 'subscriptions'), {
    name: 'subscriptions', version: subscriptionsProjector.version, state: 'live', lastError: null, eventsProcessed: 5, lagEvents: 0, lagSeconds: 0, rebuildOf: null,
  });
});

t.test('a failing projector records failed, keeps its position, and resumes once fixed', async (t) => {
  const { db } = await testDatabase(t);
  await appendToStreams(db, appendsFor([
    subEvent('SubscriptionActivated', alice, creator, { token: usdc, ratePerSecond: '7', planId: 1, activatedAt: at(1) }),
    subEvent('SubscriptionBilled', alice, creator, { amount: 'not-a-number', billedAt: at(2), merchantReferenceId: null, receiptHash: null }),
    subEvent('SubscriptionBilled', alice, creator, { amount: '10', billedAt: at(3), merchantReferenceId: null, receiptHash: null }),
  ]));
  await t.rejects(catchUp(db, subscriptionsProjector, { batchSize: 1 }), /cannot apply SubscriptionBilled/);
  const failed = (await projectionStatus(db))[0]!;
  t.equal(failed.state, 'failed');
  t.match(failed.lastError, /SubscriptionBilled .*\(stream subscription-.*@1/);
  t.equal(failed.eventsProcessed, 1, 'the batch before the bad event is kept');
  t.equal(failed.lagEvents, 2, 'the bad event is not skipped');
  await t.rejects(catchUp(db, subscriptionsProjector, { batchSize: 10 }), 'a retry fails on the same event');
  t.equal((await sql<{ n: string }>`select sum(bills_count)::text as n from subscriptions`.execute(db)).rows[0]!.n, '0');

  // The fix: a new projector version that tolerates the bad amount, rebuilt aside and swapped in.
  const tolerant = (base: Projector): Projector => ({
    ...base,
    apply: (trx, events) => base.apply(trx, events.filter((e) => (e.data as { amount?: string }).amount !== 'not-a-number')),
    withTables: (tables, name) => tolerant(base.withTables(tables, name)),
  });
  const version = subscriptionsProjector.version + 1;
  t.match(await rebuildProjector(db, tolerant(createSubscriptionsProjector({ version })), { batchSize: 10 }), { swapped: true });
  const fixed = (await projectionStatus(db))[0]!;
  t.same([fixed.state, fixed.version, fixed.lastError, fixed.lagEvents], ['live', version, null, 0]);
  t.equal((await sql<{ n: string }>`select sum(bills_count)::text as n from subscriptions`.execute(db)).rows[0]!.n, '1');
});

t.test('a projector reading metadata it did not declare in metadataFor fails loudly', async (t) => {
  const { db } = await testDatabase(t);
  await appendToStreams(db, appendsFor([
    subEvent('SubscriptionActivated', alice, creator, { token: usdc, ratePerSecond: '7', planId: 1, activatedAt: at(1) }, 4242),
  ]));
  t.same(subscriptionsProjector.metadataFor, ['SubscriptionActivated']);
  const undeclared: Projector = { ...createSubscriptionsProjector({ name: 'undeclared' }), metadataFor: [] };
  await t.rejects(catchUp(db, undeclared), /cannot apply SubscriptionActivated .*read without its metadata: add 'SubscriptionActivated' to the reader's metadataFor/);
  t.equal((await loadCheckpoint(db, 'undeclared'))!.state, 'failed');
});

t.test('concurrent runners of one projector apply each batch exactly once', async (t) => {
  const { db } = await testDatabase(t, { poolMax: 12 });
  const events = Array.from({ length: 400 }, (_, i) =>
    subEvent('SubscriptionBilled', address(`w${i % 40}`), creator, { amount: '1', billedAt: at(i), merchantReferenceId: null, receiptHash: null }));
  await appendToStreams(db, appendsFor(events));
  await Promise.all([1, 2, 3, 4].map(() => catchUp(db, subscriptionsProjector, { batchSize: 7 })));
  const { rows } = await sql<{ bills: string; total: string }>`select sum(bills_count)::text as bills, sum(total_billed)::text as total from subscriptions`.execute(db);
  t.same(rows[0], { bills: '400', total: '400' });
  t.equal((await loadCheckpoint(db, 'subscriptions'))!.eventsProcessed, 400);
});

t.test('runProjectors keeps every projector live until aborted', async (t) => {
  const { db } = await testDatabase(t);
  const controller = new AbortController();
  const running = runProjectors(db, [creatorsProjector, subscriptionsProjector], { batchSize: 50, signal: controller.signal, pollIntervalMs: 10 });
  await appendToStreams(db, appendsFor([
    creatorEvent('CreatorRegistered', creator, { displayName: 'Carol', registeredAt: at(0) }),
    subEvent('SubscriptionRequested', alice, creator, { tier: 'gold', token: usdc, ratePerSecond: '5', requestedAt: at(1), expiresAt: at(99) }),
  ]));
  for (let i = 0; i < 200; i++) {
    const status = await projectionStatus(db);
    if (status.length === 2 && status.every((s) => s.lagEvents === 0 && s.eventsProcessed === 1)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  controller.abort();
  await running;
  t.same((await projectionStatus(db)).map((s) => [s.name, s.state, s.eventsProcessed, s.lagEvents]), [['creators', 'live', 1, 0], ['subscriptions', 'live', 1, 0]]);
  const batch = await projectBatch(db, subscriptionsProjector, 10);
  t.equal(batch.read, 0);
});
