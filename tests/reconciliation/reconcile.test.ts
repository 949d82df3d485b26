import { sql } from 'kysely';
import t from 'tap';
import { advanceCheckpoint } from '../../indexer/checkpoints.ts';
import { reconcileTenant, reconciliationStreamId } from '../../reconciliation/run.ts';
import type { ReconciliationReport } from '../../reconciliation/types.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { subEvent } from '../support/subscription-events.ts';
import { consistentBooks, corrupt, HUGE, OTHER_TOKEN, TOKEN, type Books } from './books.ts';

// Reconciliation on a real database through the API's login role: the log's chain bills against
// the read models, exactly (amounts beyond 2^53), and the ledger gaps that make a total untrustworthy.

const ALL_TIME = { from: null, to: null };

async function reconcile(books: Books, range: { from: string | null; to: string | null } = ALL_TIME) {
  const run = await reconcileTenant({ db: books.apiDb, eventStore: books.eventStore }, books.creator, 'cli', range);
  return { run, report: run.report as ReconciliationReport };
}

t.test('consistent books: no discrepancy, complete, no event', async (t) => {
  const books = await consistentBooks(t);
  const { run, report } = await reconcile(books);
  t.equal(run.status, 'finished');
  t.same(report.discrepancies, [], 'nothing differs');
  t.equal(report.complete, true, 'ledgers 1-20 indexed without a hole');
  const [a, b] = books.subscribers;
  t.same(report.subscriptions.map((s) => [s.subscriptionId, s.log.billed, s.readModel?.billed]), [
    [`${a}-${books.creator}`, (BigInt(HUGE) + 250n).toString(), (BigInt(HUGE) + 250n).toString()],
    [`${b}-${books.creator}`, '700', '700'],
  ].sort((x, y) => x[0]!.localeCompare(y[0]!)), 'per subscription, exact, card money left out');
  t.same(report.tokens.map((l) => [l.token, l.log.billed, l.readModel.billed]),
    [[TOKEN, (BigInt(HUGE) + 250n).toString(), (BigInt(HUGE) + 250n).toString()], [OTHER_TOKEN, '700', '700']].sort((x, y) => x[0]!.localeCompare(y[0]!)),
    'per token, exact, EUR never summed with stroops');
  t.same(await books.eventStore.readStream(reconciliationStreamId(run.id)), [], 'no discrepancy event');
});

// The class of defect: a read model that drifted from the log (a lost, doubled or altered update).
// Each way a row can drift must surface as exactly one discrepancy with the exact difference.
const drifts: { name: string; statement: (b: Books) => ReturnType<typeof sql>; scope: 'subscription' | 'token'; difference: (b: Books) => string }[] = [
  { name: 'a total one stroop short', scope: 'subscription', difference: () => '-1',
    statement: (b) => sql`update subscriptions set total_billed = total_billed - 1 where subscriber = ${b.subscribers[1]}` },
  { name: 'a total far too high (exact beyond 2^53)', scope: 'subscription', difference: () => HUGE,
    statement: (b) => sql`update subscriptions set total_billed = total_billed + ${HUGE}::numeric where subscriber = ${b.subscribers[0]}` },
  { name: 'a billed subscription row lost', scope: 'subscription', difference: () => '-700',
    statement: (b) => sql`delete from subscriptions where subscriber = ${b.subscribers[1]}` },
  { name: 'a row billed that the log never billed', scope: 'subscription', difference: () => '42',
    statement: (b) => sql`insert into subscriptions (tenant_id, subscription_id, subscriber, creator, status, total_billed, bills_count, updated_at)
      values (${b.creator}, ${`GGHOST-${b.creator}`}, 'GGHOST', ${b.creator}, 'active', 42, 1, now())` },
  { name: 'a day of revenue altered', scope: 'token', difference: () => '5',
    statement: (b) => sql`update analytics_daily_amounts set amount = amount + 5 where tenant_id = ${b.creator} and token = ${OTHER_TOKEN}` },
  { name: 'a day of revenue lost', scope: 'token', difference: () => '-700',
    statement: (b) => sql`delete from analytics_daily_amounts where tenant_id = ${b.creator} and token = ${OTHER_TOKEN}` },
];

for (const drift of drifts) {
  t.test(`a corrupted read model is found: ${drift.name}`, async (t) => {
    const books = await consistentBooks(t);
    await corrupt(books.database.db, drift.statement(books));
    const { run, report } = await reconcile(books);
    t.equal(report.discrepancies.length, 1, JSON.stringify(report.discrepancies));
    const [found] = report.discrepancies;
    t.equal(found?.scope, drift.scope);
    t.equal(found?.against, 'read-model');
    t.equal(found?.difference, drift.difference(books), 'the exact difference in stroops');
    t.equal(BigInt(found!.actual) - BigInt(found!.expected), BigInt(found!.difference));
    t.equal(run.discrepancies, 1);
    const events = await books.eventStore.readStream(reconciliationStreamId(run.id));
    t.same(events.map((e) => e.type), ['ReconciliationDiscrepancyFound'], 'appended through the event store');
    t.match(events[0]?.data, { runId: run.id, tenantId: books.creator, difference: drift.difference(books) });
    t.equal(events[0]?.metadata.tenantId, books.creator);
  });
}

t.test('the read model lagging the log is no discrepancy: compared at the projector checkpoint', async (t) => {
  const books = await consistentBooks(t);
  const [a] = books.subscribers;
  await books.eventStore.append(subscriptionStreamId(a, books.creator), [
    subEvent('SubscriptionBilled', a, books.creator, { amount: '9', billedAt: '2026-11-03T00:00:00.000Z', merchantReferenceId: null, receiptHash: null }, 15),
  ]);
  const { report } = await reconcile(books);
  t.same(report.discrepancies, [], 'the unprojected bill is on neither side');
  await books.project();
  t.same((await reconcile(books)).report.discrepancies, [], 'and once projected, on both');
});

t.test('a missing ledger range makes the run incomplete, never silently trusted', async (t) => {
  const books = await consistentBooks(t);
  await advanceCheckpoint(books.database.db, 'live', 30, 40, null);
  const { run, report } = await reconcile(books);
  t.equal(report.complete, false);
  t.equal(run.complete, false);
  t.same(report.gaps, [{ fromLedger: 21, toLedger: 29 }]);
  t.match(report.notes.join('\n'), /never indexed/);
  t.same(report.discrepancies, [], 'the totals agree, yet are not trusted');

  const [a] = books.subscribers;
  // A fact after the gap places it in time: 2026-11-01 (at(ledger) of the test helpers).
  await books.eventStore.append(subscriptionStreamId(a, books.creator), [
    subEvent('SubscriptionRenewed', a, books.creator, { amount: '0', nextBillingAt: '2026-12-01T00:00:00.000Z', renewedAt: '2026-11-01T00:00:35.000Z' }, 35),
  ]);
  t.equal((await reconcile(books, { from: '2026-11-02', to: null })).report.complete, true, 'a gap closed before the range does not count');
  t.equal((await reconcile(books, { from: '2026-10-01', to: '2026-11-02' })).report.complete, false, 'a gap inside the range does');
});

t.test('nothing ever indexed: incomplete', async (t) => {
  const books = await consistentBooks(t);
  await sql`delete from indexer_ranges`.execute(books.database.db);
  const { report } = await reconcile(books);
  t.equal(report.complete, false);
  t.match(report.notes.join('\n'), /no ledger range was ever indexed/);
});

t.test('a range compares revenue per token over those days only', async (t) => {
  const books = await consistentBooks(t);
  // Ledgers 11, 12, 14 bill on 2026-11-03, 11-01 and 11-03 (see books.ts).
  const { report } = await reconcile(books, { from: '2026-11-03', to: '2026-11-04' });
  t.same(report.tokens.map((l) => [l.token, l.log.billed, l.readModel.billed]),
    [[TOKEN, HUGE, HUGE], [OTHER_TOKEN, '700', '700']].sort((x, y) => x[0]!.localeCompare(y[0]!)));
  t.same(report.subscriptions, [], 'all-time totals are not compared on a range');
  t.same(report.discrepancies, []);
});
