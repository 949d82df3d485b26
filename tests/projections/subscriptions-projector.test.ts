import assert from 'node:assert/strict';
import t from 'tap';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { SubscriptionEvent } from '../../domain/subscription/events.ts';
import { evolve, initialState, type SubscriptionState } from '../../domain/subscription/state.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';
import { createSubscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { testDatabase } from '../support/database.ts';
import { address, at, recorded, subEvent } from '../support/subscription-events.ts';

const creator = address('carol');
const usdc = address('usdc', 'C');

/** A few chain seconds, so random streams have ties and facts older than the ones before them. */
const second = fc.integer({ min: 0, max: 12 }).map((n) => n * 3_600);
const stroops = fc.bigInt({ min: 0n, max: (1n << 127n) - 1n }).map(String);

/** One event of the subscription stream, intents and chain facts alike (domain/subscription/events.ts). */
const payload = fc.oneof(
  fc.record({ type: fc.constant('SubscriptionRequested'), s: second, rate: stroops, tier: fc.constantFrom('bronze', 'gold') }).map((e) =>
    ['SubscriptionRequested', { tier: e.tier, token: usdc, ratePerSecond: e.rate, requestedAt: at(e.s), expiresAt: at(e.s + 900) }] as const),
  second.map((s) => ['CancellationRequested', { requestedAt: at(s) }] as const),
  second.map((s) => ['SubscriptionExpired', { expiredAt: at(s) }] as const),
  fc.record({ s: second, rate: stroops, token: fc.constantFrom(usdc, null), planId: fc.option(fc.nat(9), { nil: null }) }).map((e) =>
    ['SubscriptionActivated', { token: e.token, ratePerSecond: e.rate, planId: e.planId, activatedAt: at(e.s) }] as const),
  fc.record({ s: second, amount: stroops }).map((e) => ['SubscriptionBilled', { amount: e.amount, billedAt: at(e.s), merchantReferenceId: null, receiptHash: null }] as const),
  fc.record({ s: second, amount: stroops }).map((e) => ['SubscriptionRenewed', { amount: e.amount, nextBillingAt: at(e.s + 86_400), renewedAt: at(e.s) }] as const),
  second.map((s) => ['TrialStarted', { trialEndsAt: at(s + 7_200), startedAt: at(s), merchantReferenceId: null }] as const),
  second.map((s) => ['GracePeriodStarted', { dunningStartedAt: at(s), graceEndsAt: at(s + 7_200), merchantReferenceId: null }] as const),
  fc.record({ s: second, refund: stroops }).map((e) => ['SubscriptionCancelled', { refundAmount: e.refund, cancelledAt: at(e.s) }] as const),
  fc.record({ s: second, rate: stroops }).map((e) => ['TierChanged', { oldRate: '1', newRate: e.rate, changedAt: at(e.s) }] as const),
  fc.record({ s: second, amount: stroops }).map((e) => ['TipReceived', { token: usdc, amount: e.amount, tippedAt: at(e.s) }] as const),
);

/** What the read model must show for a state, as the API's columns hold it (no refund yet shows 0). */
function expected(s: SubscriptionState): Record<string, unknown> {
  return {
    status: s.status, tier: s.tier, token: s.token, rate_per_second: s.ratePerSecond?.toString() ?? null,
    total_billed: s.totalBilled.toString(), bills_count: s.billsCount, tips_total: s.tipsTotal.toString(),
    refund_amount: (s.refundAmount ?? 0n).toString(), last_billed_at: s.lastBilledAt, next_billing_at: s.nextBillingAt,
    trial_ends_at: s.trialEndsAt, grace_ends_at: s.graceEndsAt, cancel_requested_at: s.cancelRequestedAt,
    cancelled_at: s.cancelledAt, requested_at: s.requestedAt, expires_at: s.expiresAt,
  };
}

t.test('the projector, batch by batch through PostgreSQL, holds exactly the decider\'s fold of the stream', async (t) => {
  const { db } = await testDatabase(t);
  const projector = createSubscriptionsProjector();
  const iso = (c: string) => `to_char(${c} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ${c}`;
  const timeColumns = ['last_billed_at', 'next_billing_at', 'trial_ends_at', 'grace_ends_at', 'cancel_requested_at', 'cancelled_at', 'requested_at', 'expires_at'];
  const columns = sql.raw(['status', 'tier', 'token', 'rate_per_second::text', 'total_billed::text', 'bills_count', 'tips_total::text', 'refund_amount::text',
    ...timeColumns.map(iso)].join(', '));
  let pair = 0;
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(payload, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(11), { maxLength: 3 }), async (stream, cuts) => {
      const subscriber = address(`wallet-${pair++}`);
      const events: RecordedEvent[] = stream.map(([type, data], i) => recorded(subEvent(type, subscriber, creator, data, 100 + i)));
      const domain = stream.reduce((state, [type, data]) => evolve(state, { type, data: { subscriber, creator, ...data } } as SubscriptionEvent), initialState());
      const bounds = [...new Set([0, ...cuts.filter((c) => c < events.length), events.length])].sort((a, b) => a - b);
      const row = await db.transaction().execute(async (trx) => {
        await sql`select set_config('app.projection_writer', 'on', true)`.execute(trx);
        for (let i = 1; i < bounds.length; i++) await projector.apply(trx, events.slice(bounds[i - 1], bounds[i]));
        const { rows } = await sql<Record<string, unknown>>`select ${columns} from subscriptions where subscription_id = ${`${subscriber}-${creator}`}`.execute(trx);
        return rows[0];
      });
      cases += 1;
      assert.deepEqual(row, expected(domain));
    }),
    { numRuns: 1_000 },
  );
  t.equal(cases, 1_000, 'every case was projected and compared');
});
