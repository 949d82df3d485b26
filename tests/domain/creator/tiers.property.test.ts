import fc from 'fast-check';
import t from 'tap';
import { contentAccess } from '../../../domain/content/access.ts';
import { subscribedTier } from '../../../domain/content/subscribed-tier.ts';
import { decide } from '../../../domain/creator/decide.ts';
import { TIER_ORDER, type Tier, type TierName, type TierPrice } from '../../../domain/creator/events.ts';
import { initialState, type CreatorState } from '../../../domain/creator/state.ts';
import { tierRatePerSecond } from '../../../domain/creator/tiers.ts';
import { DomainError } from '../../../domain/shared/errors.ts';

/** Cases per property; `MONEY_PROPERTY_RUNS=100000` for a longer search. */
const RUNS = Number(process.env.MONEY_PROPERTY_RUNS ?? 2_000);
const I128_MAX = 2n ** 127n - 1n;
const MAX_PERIOD = 10 * 366 * 86_400;
const MONTH = 2_592_000;
const token = 'CTOKEN';
const creator = 'GCREATOR';
const registered: CreatorState = { status: 'registered', creator, displayName: 'Cy', registeredAt: '2026-01-01T00:00:00Z', tiers: [] };

const setTiers = (tiers: Tier[]) =>
  decide({ type: 'SetTiers', data: { creator, tiers }, metadata: { now: '2026-01-02T00:00:00Z', actor: creator } }, registered);

/** The refusal's code, or null when the tiers are accepted. */
function refusal(tiers: Tier[]): string | null {
  try {
    setTiers(tiers);
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

const period = fc.oneof(fc.constantFrom(1, 60, 3_600, 86_400, 604_800, MONTH, 31_536_000, MAX_PERIOD), fc.integer({ min: 1, max: MAX_PERIOD }));
const amount = fc.oneof(fc.bigInt(1n, 10n ** 12n), fc.bigInt(1n, I128_MAX));
const periodPrice = fc.record({ amount, periodSeconds: period }).map(({ amount, periodSeconds }) => ({ kind: 'period' as const, amount: amount.toString(), periodSeconds }));
const ratePrice = fc.bigInt(1n, 10n ** 6n).map((r) => ({ kind: 'rate' as const, ratePerSecond: r.toString() }));
/** Prices close together (around one stroop a second over a month) as well as far apart. */
const nearPrice = fc.bigInt(40_000_000n, 60_000_000n).map((a) => ({ kind: 'period' as const, amount: a.toString(), periodSeconds: MONTH }));
const price: fc.Arbitrary<TierPrice> = fc.oneof(periodPrice, ratePrice, nearPrice);

t.test('a per-period price never streams more than listed, and at most one stroop a second less (property)', async (t) => {
  let streamable = 0;
  fc.assert(
    fc.property(amount, period, (listed, seconds) => {
      const refusedAlone = refusal([{ name: 'bronze', token, price: { kind: 'period', amount: listed.toString(), periodSeconds: seconds } }]);
      if (listed < BigInt(seconds)) return refusedAlone === 'CREATOR.PRICE_TOO_LOW';
      streamable += 1;
      const rate = tierRatePerSecond({ kind: 'period', amount: listed.toString(), periodSeconds: seconds });
      const streamed = rate * BigInt(seconds);
      return refusedAlone === null && rate >= 1n && streamed <= listed && listed - streamed < BigInt(seconds);
    }),
    { numRuns: RUNS },
  );
  t.ok(streamable > RUNS / 4, `${streamable} of ${RUNS} cases were streamable prices`);
});

t.test('$1 every 30 days streams 3 stroops a second, not 4 (3.7% over the listed price)', async (t) => {
  const rate = tierRatePerSecond({ kind: 'period', amount: '10000000', periodSeconds: MONTH });
  t.equal(rate, 3n);
  t.ok(rate * BigInt(MONTH) <= 10_000_000n);
});

t.test('tiers that would stream the same rate are refused with CREATOR.TIERS_SAME_RATE', async (t) => {
  const tiers: Tier[] = [
    { name: 'bronze', token, price: { kind: 'period', amount: '50000000', periodSeconds: MONTH } },
    { name: 'silver', token, price: { kind: 'period', amount: '51000000', periodSeconds: MONTH } },
  ];
  t.throws(() => setTiers(tiers), { code: 'CREATOR.TIERS_SAME_RATE', details: { tiers: ['bronze', 'silver'], ratePerSecond: '19' } });
});

t.test('accepted tiers: distinct rates, access ordered as prices are, and every rate maps to the tier it pays for (property)', async (t) => {
  let accepted = 0;
  let sameRate = 0;
  fc.assert(
    fc.property(fc.uniqueArray(fc.constantFrom(...TIER_ORDER), { minLength: 1, maxLength: 3 }), fc.array(price, { minLength: 3, maxLength: 3 }), (names, prices) => {
      const tiers: Tier[] = names.map((name, i) => ({ name, token, price: prices[i]! }));
      const code = refusal(tiers);
      const ordered = [...tiers].sort((a, b) => TIER_ORDER.indexOf(a.name) - TIER_ORDER.indexOf(b.name));
      const rates = ordered.map((tier) => tierRatePerSecond(tier.price));
      if (code === 'CREATOR.TIERS_SAME_RATE') {
        sameRate += 1;
        return rates.some((r, i) => i > 0 && r === rates[i - 1]);
      }
      if (code !== null) return code === 'CREATOR.INVALID_TIERS' || code === 'CREATOR.PRICE_TOO_LOW';
      accepted += 1;
      // Distinct tiers stream distinct, increasing rates.
      if (!rates.every((r, i) => i === 0 || r > rates[i - 1]!)) return false;
      for (const [i, tier] of ordered.entries()) {
        const rate = rates[i]!;
        // Paying a tier's rate (or anything short of the next tier's) buys exactly that tier ...
        const next = rates[i + 1];
        for (const paid of [rate, next === undefined ? rate * 2n : next - 1n]) {
          if (subscribedTier(tiers, { tier: null, token, ratePerSecond: paid }) !== tier.name) return false;
        }
        // ... and one stroop a second less buys the tier below (or none).
        const below: TierName | null = i === 0 ? null : ordered[i - 1]!.name;
        if (subscribedTier(tiers, { tier: null, token, ratePerSecond: rate - 1n }) !== below) return false;
        // Content gated at a tier opens exactly for subscribers of that tier and the ones above it.
        for (const [j, gate] of ordered.entries()) {
          const allowed = contentAccess(gate.name, { kind: 'subscriber', status: 'active', tier: subscribedTier(tiers, { tier: null, token, ratePerSecond: rate }) }).allowed;
          if (allowed !== j <= i) return false;
        }
      }
      return true;
    }),
    { numRuns: RUNS },
  );
  t.ok(accepted > 0 && sameRate > 0, `accepted ${accepted}, refused for the same rate ${sameRate}, of ${RUNS}`);
});
