import fc from 'fast-check';
import t from 'tap';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import type { NewEvent } from '../../eventstore/types.ts';
import { creatorAnalyticsProjector } from '../../projections/analytics/creator-projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { appendStreamFact, randomContract } from '../support/stream-events.ts';
import { appendsFor, subEvent } from '../support/subscription-events.ts';

const MONTH = 2_592_000n;
const DAY = 86_400_000;
const BASE = Date.UTC(2026, 10, 2); // a Monday
const iso = (ms: number): string => new Date(ms).toISOString();
const TOKENS = [randomContract(), randomContract()];
const CURRENCIES = ['USD', 'EUR'];
const KINDS = ['SubscriptionActivated', 'SubscriptionBilled', 'SubscriptionRenewed', 'TrialStarted', 'GracePeriodStarted', 'SubscriptionCancelled', 'TierChanged', 'CardActivated', 'CardBilled'] as const;

/**
 * A generated fact: `offset` ms after BASE (distinct per sequence), about subscriber `who`. Card
 * facts (Stripe's, in `currency`, the activation with a monthly price or without one) may follow
 * chain facts of the same subscriber and the other way round: a subscriber changing rails.
 */
interface Fact { kind: (typeof KINDS)[number]; who: number; offset: number; token: number | null; rate: number; amount: number; currency: number; monthly: number | null }

const factArb = fc.record({
  kind: fc.constantFrom(...KINDS),
  who: fc.integer({ min: 0, max: 5 }),
  offset: fc.integer({ min: 0, max: 20 * DAY }),
  token: fc.option(fc.integer({ min: 0, max: 1 }), { nil: null }),
  rate: fc.integer({ min: 1, max: 1_000_000 }),
  amount: fc.integer({ min: 1, max: 1_000_000_000 }),
  currency: fc.integer({ min: 0, max: 1 }),
  monthly: fc.option(fc.integer({ min: 1, max: 99_999_999 }), { nil: null }),
});
const sequenceArb = fc.uniqueArray(factArb, { minLength: 1, maxLength: 40, selector: (f) => f.offset });

function toEvent(f: Fact, subscribers: readonly string[], creator: string): NewEvent {
  const at = iso(BASE + f.offset);
  const data: Record<(typeof KINDS)[number], Record<string, unknown>> = {
    SubscriptionActivated: { token: f.token === null ? null : TOKENS[f.token], ratePerSecond: String(f.rate), planId: null, activatedAt: at },
    SubscriptionBilled: { amount: String(f.amount), billedAt: at, merchantReferenceId: null, receiptHash: null },
    SubscriptionRenewed: { amount: String(f.amount), nextBillingAt: iso(BASE + f.offset + 30 * DAY), renewedAt: at },
    TrialStarted: { trialEndsAt: iso(BASE + f.offset + 7 * DAY), startedAt: at, merchantReferenceId: null },
    GracePeriodStarted: { dunningStartedAt: at, graceEndsAt: iso(BASE + f.offset + 3 * DAY), merchantReferenceId: null },
    SubscriptionCancelled: { refundAmount: '0', cancelledAt: at },
    TierChanged: { oldRate: '1', newRate: String(f.rate), changedAt: at },
    CardActivated: { token: null, ratePerSecond: '0', planId: null, activatedAt: at, currency: CURRENCIES[f.currency], ...(f.monthly === null ? {} : { monthlyAmount: String(f.monthly) }) },
    CardBilled: { amount: String(f.amount), billedAt: at, merchantReferenceId: null, receiptHash: null, currency: CURRENCIES[f.currency] },
  };
  const type = f.kind === 'CardActivated' ? 'SubscriptionActivated' : f.kind === 'CardBilled' ? 'SubscriptionBilled' : f.kind;
  return subEvent(type, subscribers[f.who]!, creator, data[f.kind]);
}

// ---- The test's own fold: plain reduces over the generated facts, not the projector's code. ----

const STATUS: Partial<Record<Fact['kind'], string>> = {
  SubscriptionActivated: 'active', SubscriptionBilled: 'active', SubscriptionRenewed: 'active',
  TrialStarted: 'trialing', GracePeriodStarted: 'grace', SubscriptionCancelled: 'cancelled', CardActivated: 'active', CardBilled: 'active',
};

/** The token (contract id, or `currency:<CODE>` for card money) a fact names, if any. */
const tokenOf = (f: Fact): string | null =>
  f.kind === 'CardActivated' ? `currency:${CURRENCIES[f.currency]}` : f.kind === 'SubscriptionActivated' && f.token !== null ? TOKENS[f.token]! : null;

/**
 * Each subscriber's latest status, token and monthly amount from facts dated up to `point` (ms;
 * before it, or at it with `inclusive`). A fact naming a token starts its amount afresh: a card
 * activation brings its monthly price (or none), a chain activation or tier change its rate × MONTH.
 */
function stateAt(facts: readonly Fact[], point: number, inclusive = false) {
  return [...facts].filter((f) => f.offset + BASE < point || (inclusive && f.offset + BASE === point)).sort((a, b) => a.offset - b.offset).reduce((acc, f) => {
    const s = acc.get(f.who) ?? { status: null as string | null, monthly: null as bigint | null, token: null as string | null };
    const token = tokenOf(f);
    const stated = f.kind === 'CardActivated' ? (f.monthly === null ? null : BigInt(f.monthly))
      : f.kind === 'SubscriptionActivated' || f.kind === 'TierChanged' ? BigInt(f.rate) * MONTH : undefined;
    acc.set(f.who, {
      status: STATUS[f.kind] ?? s.status,
      monthly: stated !== undefined ? stated : s.monthly,
      token: token ?? s.token,
    });
    return acc;
  }, new Map<number, { status: string | null; monthly: bigint | null; token: string | null }>());
}

function countsAt(facts: readonly Fact[], point: number) {
  const counts = { active: 0, trialing: 0, grace: 0, cancelled: 0 };
  for (const s of stateAt(facts, point).values()) if (s.status) counts[s.status as keyof typeof counts] += 1;
  return counts;
}

function mrrAt(facts: readonly Fact[], point: number) {
  const byToken = new Map<string | null, bigint>();
  for (const s of stateAt(facts, point).values()) {
    if (s.status === 'active') byToken.set(s.token, (byToken.get(s.token) ?? 0n) + (s.monthly ?? 0n));
  }
  return [...byToken].map(([token, amount]) => ({ token, amount: amount.toString() }))
    .sort((a, b) => (a.token === null ? -1 : b.token === null ? 1 : a.token < b.token ? -1 : 1));
}

const sortMrr = <T extends { token: string | null }>(items: T[]) =>
  [...items].sort((a, b) => (a.token === null ? -1 : b.token === null ? 1 : a.token < b.token ? -1 : 1));

/**
 * Revenue in [start, end) per token, never summed across tokens: a bill counts under the token of
 * its subscription's latest activation naming one earlier in its stream (null: not known yet).
 */
function revenueIn(facts: readonly Fact[], start: number, end: number) {
  const byToken = new Map<string | null, bigint>();
  facts.forEach((f, i) => {
    if ((f.kind !== 'SubscriptionBilled' && f.kind !== 'CardBilled') || BASE + f.offset < start || BASE + f.offset >= end) return;
    const named = facts.slice(0, i).filter((g) => g.who === f.who && g.kind === 'SubscriptionActivated' && g.token !== null).at(-1);
    const token = f.kind === 'CardBilled' ? `currency:${CURRENCIES[f.currency]}` : named ? TOKENS[named.token!]! : null;
    byToken.set(token, (byToken.get(token) ?? 0n) + BigInt(f.amount));
  });
  return sortMrr([...byToken].map(([token, amount]) => ({ token, amount: amount.toString() })));
}

function countsByTokenAt(facts: readonly Fact[], point: number) {
  const byToken = new Map<string | null, { active: number; trialing: number; grace: number; cancelled: number }>();
  for (const s of stateAt(facts, point).values()) {
    if (!s.status) continue;
    const counts = byToken.get(s.token) ?? { active: 0, trialing: 0, grace: 0, cancelled: 0 };
    counts[s.status as keyof typeof counts] += 1;
    byToken.set(s.token, counts);
  }
  return sortMrr([...byToken].map(([token, counts]) => ({ token, ...counts })));
}

/** Churn in [start, end) per token: each subscriber cancelled in it under its token at its last cancellation there. */
function churnByTokenIn(facts: readonly Fact[], start: number, end: number) {
  const lastCancel = new Map<number, number>();
  for (const f of facts) {
    const at = BASE + f.offset;
    if (f.kind === 'SubscriptionCancelled' && at >= start && at < end) lastCancel.set(f.who, Math.max(lastCancel.get(f.who) ?? 0, at));
  }
  const cancelled = new Map<string | null, number>();
  for (const [who, at] of lastCancel) {
    const token = stateAt(facts, at, true).get(who)!.token;
    cancelled.set(token, (cancelled.get(token) ?? 0) + 1);
  }
  const active = new Map<string | null, number>();
  for (const s of stateAt(facts, start).values()) if (s.status === 'active') active.set(s.token, (active.get(s.token) ?? 0) + 1);
  const tokens = new Set([...active.keys(), ...cancelled.keys()]);
  return sortMrr([...tokens].map((token) => {
    const c = cancelled.get(token) ?? 0;
    const a = active.get(token) ?? 0;
    return { token, cancelled: c, activeAtStart: a, rate: a === 0 ? null : c / a };
  }));
}

t.test('creator counts, MRR, churn and revenue equal an independent fold (property)', async (t) => {
  const harness = await testApp(t);
  const { app, database } = harness;
  const subscribers = Array.from({ length: 6 }, () => randomAccount());
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(sequenceArb, async (facts) => {
      runs += 1;
      const creator = randomAccount();
      await appendToStreams(database.db, appendsFor(facts.map((f) => toEvent(f, subscribers, creator))));
      await catchUp(database.db, creatorAnalyticsProjector);
      const headers = { authorization: `Bearer ${await harness.token(creator, creator)}` };
      const get = async (url: string) => {
        const response = await app.inject({ method: 'GET', url, headers });
        if (response.statusCode !== 200) throw new Error(response.body);
        return response.json();
      };

      // A failed comparison throws too, so fast-check shrinks the sequence to a minimal counterexample.
      const same = (got: unknown, want: unknown, what: string) => {
        if (!t.same(got, want, what)) throw new Error(`${what} differs for ${JSON.stringify(facts)}`);
      };
      const me = await get('/v1/analytics/creators/me');
      same(me.counts, countsAt(facts, Infinity), 'counts now');
      same(sortMrr(me.mrr), mrrAt(facts, Infinity), 'MRR now');
      same(sortMrr(me.countsByToken), countsByTokenAt(facts, Infinity), 'counts per token and currency now');

      const from = iso(BASE + DAY / 2);
      const to = iso(BASE + 21 * DAY);
      const days = Array.from({ length: 21 }, (_, i) => ({ start: BASE + i * DAY, end: BASE + (i + 1) * DAY }));
      const range = `from=${from}&to=${to}`;
      const active = await get(`/v1/analytics/creators/me/series?metric=active&${range}&bucket=day`);
      same(active.points.map((p: { start: string; count: number }) => [p.start, p.count]), days.map((d) => [iso(d.start), countsAt(facts, d.end).active]), 'active per day');
      const mrr = await get(`/v1/analytics/creators/me/series?metric=mrr&${range}&bucket=week`);
      const weeks = [0, 1, 2].map((i) => ({ start: BASE + i * 7 * DAY, end: BASE + (i + 1) * 7 * DAY }));
      same(mrr.points.map((p: { start: string; byToken: [] }) => [p.start, sortMrr(p.byToken)]), weeks.map((w) => [iso(w.start), mrrAt(facts, w.end)]), 'MRR per week');

      const revenue = await get(`/v1/analytics/creators/me/series?metric=revenue&${range}&bucket=day`);
      same(revenue.points.map((p: { byToken: [] }) => sortMrr(p.byToken)), days.map((d) => revenueIn(facts, d.start, d.end)), 'revenue per day per token');

      const churn = await get(`/v1/analytics/creators/me/series?metric=churn&${range}&bucket=week`);
      same(churn.points.map((p: { cancelled: number; activeAtStart: number; rate: number | null }) => [p.cancelled, p.activeAtStart, p.rate]), weeks.map((w) => {
        const cancelled = new Set(facts.filter((f) => f.kind === 'SubscriptionCancelled' && BASE + f.offset >= w.start && BASE + f.offset < w.end).map((f) => f.who)).size;
        const activeAtStart = countsAt(facts, w.start).active;
        return [cancelled, activeAtStart, activeAtStart === 0 ? null : cancelled / activeAtStart];
      }), 'churn per week');
      same(churn.points.map((p: { churnByToken: [] }) => sortMrr(p.churnByToken)), weeks.map((w) => churnByTokenIn(facts, w.start, w.end)), 'churn per week per token and currency');
    }),
    { numRuns: 25 },
  );
  t.equal(runs, 25);

  const stranger = randomAccount();
  const theirs = await app.inject({ method: 'GET', url: '/v1/analytics/creators/me', headers: { authorization: `Bearer ${await harness.token(stranger, stranger)}` } });
  t.same(theirs.json(), { tenantId: stranger, counts: { active: 0, trialing: 0, grace: 0, cancelled: 0 }, mrr: [], countsByToken: [] }, 'a tenant with no facts sees none of the others');
});

t.test('stream withdrawals per day and per token for the receiver, and a monthly series', async (t) => {
  const harness = await testApp(t);
  const { app, database } = harness;
  const receiver = randomAccount();
  const contractId = randomContract();
  const [usdc, xlm] = TOKENS as [string, string];
  // Stream 1 pays in one token, stream 2 in another; stream 3 was created before the indexed range (token unknown).
  for (const [streamId, token] of [['1', usdc], ['2', xlm]] as const) {
    await appendStreamFact(harness.app.services.eventStore, 'StreamCreated', {
      contractId, streamId, sender: randomAccount(), receiver, token, totalAmount: '10000000000000000000000',
      startAt: iso(BASE), cliffAt: null, endAt: iso(BASE + 90 * DAY), memo: null, createdAt: iso(BASE),
    }, receiver);
  }
  const withdrawals = [
    { streamId: '1', amount: '100', at: BASE + 1_000 },
    { streamId: '2', amount: '40', at: BASE + 2_000 },
    { streamId: '1', amount: '250', at: BASE + 5_000 },
    { streamId: '3', amount: '9', at: BASE + 6_000 },
    { streamId: '3', amount: '1', at: BASE + 7_000 },
    { streamId: '1', amount: '7', at: BASE + DAY + 1 },
    { streamId: '2', amount: '1000000000000000000000', at: BASE + 40 * DAY },
  ];
  for (const [i, w] of withdrawals.entries()) {
    await appendStreamFact(harness.app.services.eventStore, 'StreamWithdrawn',
      { contractId, streamId: w.streamId, beneficiary: receiver, amount: w.amount, withdrawnTotal: null, withdrawnAt: iso(w.at) }, receiver);
    // Two projector batches: the second adds to the first's rows, the unknown-token row included.
    if (i === 3) await catchUp(database.db, creatorAnalyticsProjector);
  }
  await catchUp(database.db, creatorAnalyticsProjector);
  const get = async (who: string, query: string) =>
    (await app.inject({ method: 'GET', url: `/v1/analytics/creators/me/series?${query}`, headers: { authorization: `Bearer ${await harness.token(who, who)}` } })).json();
  const daily = await get(receiver, `metric=withdrawals&from=${iso(BASE)}&to=${iso(BASE + 3 * DAY)}`);
  t.same(daily.points.map((p: { byToken: [] }) => sortMrr(p.byToken)), [
    sortMrr([{ token: null, amount: '10' }, { token: usdc, amount: '350' }, { token: xlm, amount: '40' }]),
    [{ token: usdc, amount: '7' }],
    [],
  ], 'one amount per token, never a sum across tokens');
  const monthly = await get(receiver, `metric=withdrawals&from=2026-11-01&to=2027-01-01&bucket=month`);
  t.same(monthly.points.map((p: { start: string; byToken: [] }) => [p.start, sortMrr(p.byToken)]), [
    ['2026-11-01T00:00:00.000Z', sortMrr([{ token: null, amount: '10' }, { token: usdc, amount: '357' }, { token: xlm, amount: '40' }])],
    ['2026-12-01T00:00:00.000Z', [{ token: xlm, amount: '1000000000000000000000' }]],
  ]);
  t.notOk(monthly.points.some((p: object) => 'amount' in p), 'no cross-token total');
  const other = await get(randomAccount(), `metric=withdrawals&from=${iso(BASE)}&to=${iso(BASE + DAY)}`);
  t.same(other.points.map((p: { byToken: [] }) => p.byToken), [[]], 'another tenant sees nothing');
});

t.test('revenue takes the token of the intent when the chain fact names none (older subscribe shape)', async (t) => {
  const harness = await testApp(t);
  const { app, database } = harness;
  const creator = randomAccount();
  const [usdc, xlm] = TOKENS as [string, string];
  const [a, b] = [randomAccount(), randomAccount()];
  await appendToStreams(database.db, appendsFor([
    subEvent('SubscriptionRequested', a, creator, { tier: 'gold', token: usdc, ratePerSecond: '10', requestedAt: iso(BASE), expiresAt: iso(BASE + DAY) }),
    subEvent('SubscriptionActivated', a, creator, { token: null, ratePerSecond: '10', planId: null, activatedAt: iso(BASE + 1_000) }),
    subEvent('SubscriptionBilled', a, creator, { amount: '500', billedAt: iso(BASE + 2_000), merchantReferenceId: null, receiptHash: null }),
    subEvent('SubscriptionActivated', b, creator, { token: xlm, ratePerSecond: '3', planId: null, activatedAt: iso(BASE + 1_000) }),
    subEvent('SubscriptionBilled', b, creator, { amount: '70', billedAt: iso(BASE + 3_000), merchantReferenceId: null, receiptHash: null }),
  ]));
  await catchUp(database.db, creatorAnalyticsProjector);
  const response = await app.inject({
    method: 'GET', url: `/v1/analytics/creators/me/series?metric=revenue&from=${iso(BASE)}&to=${iso(BASE + DAY)}`,
    headers: { authorization: `Bearer ${await harness.token(creator, creator)}` },
  });
  t.equal(response.statusCode, 200, response.body);
  t.same(sortMrr(response.json().points[0].byToken), sortMrr([{ token: usdc, amount: '500' }, { token: xlm, amount: '70' }]));
});
