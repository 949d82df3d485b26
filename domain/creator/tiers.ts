import { parseStroops } from '../shared/money.ts';
import { TIER_ORDER, type Tier, type TierPrice } from './events.ts';

/** A price as the exact fraction `numerator / denominator` stroops per second. */
interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

function perSecond(price: TierPrice): Fraction | null {
  if (price.kind === 'rate') {
    const rate = parseStroops(price.ratePerSecond);
    return rate !== null && rate > 0n ? { numerator: rate, denominator: 1n } : null;
  }
  const amount = parseStroops(price.amount);
  const period = price.periodSeconds;
  if (amount === null || amount <= 0n || !Number.isSafeInteger(period) || period <= 0) return null;
  return { numerator: amount, denominator: BigInt(period) };
}

/** `a < b`, exactly, by cross-multiplying (denominators are positive). */
function lessThan(a: Fraction, b: Fraction): boolean {
  return a.numerator * b.denominator < b.numerator * a.denominator;
}

/**
 * Why a tier list is invalid, or `null` when it is valid: at least one tier, unique names,
 * positive prices, and prices strictly increasing bronze < silver < gold (compared per second).
 */
export function tiersProblem(tiers: readonly Tier[]): string | null {
  if (tiers.length === 0) return 'at least one tier is required';
  const names = new Set(tiers.map((t) => t.name));
  if (names.size !== tiers.length) return 'tier names must be unique';
  if (tiers.some((t) => !TIER_ORDER.includes(t.name))) return `tier names must be one of ${TIER_ORDER.join(', ')}`;
  const ordered = [...tiers].sort((a, b) => TIER_ORDER.indexOf(a.name) - TIER_ORDER.indexOf(b.name));
  const prices = ordered.map((t) => perSecond(t.price));
  if (prices.some((p) => p === null)) return 'prices must be positive integers of stroops and periods positive whole seconds';
  for (let i = 1; i < prices.length; i++) {
    if (!lessThan(prices[i - 1]!, prices[i]!)) return `${ordered[i]!.name} must cost more than ${ordered[i - 1]!.name}`;
  }
  return null;
}

/**
 * The per-second rate the contract streams for a tier. A per-period price is rounded UP
 * (`ceil(amount / periodSeconds)`) so the creator never receives less than the listed price.
 *
 * @example tierRatePerSecond({ kind: 'period', amount: '100', periodSeconds: 30 }) // 4n
 */
export function tierRatePerSecond(price: TierPrice): bigint {
  if (price.kind === 'rate') return BigInt(price.ratePerSecond);
  const amount = BigInt(price.amount);
  const period = BigInt(price.periodSeconds);
  return (amount + period - 1n) / period;
}
