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
 * The per-second rate the contract streams for a tier: a rate price as is, a per-period price
 * rounded DOWN (`floor(amount / periodSeconds)`), so a subscriber never pays more than listed and
 * the creator receives at most one stroop a second less (`amount − rate × period < period`).
 * 0 for a price below one stroop a second, which `tiersProblem` refuses.
 *
 * @example tierRatePerSecond({ kind: 'period', amount: '100', periodSeconds: 30 }) // 3n (90 per 30 s)
 */
export function tierRatePerSecond(price: TierPrice): bigint {
  if (price.kind === 'rate') return BigInt(price.ratePerSecond);
  return BigInt(price.amount) / BigInt(price.periodSeconds);
}

/** Why a tier list is refused: a stable code, a safe message and what the creator can change. */
export interface TiersProblem {
  code: 'CREATOR.INVALID_TIERS' | 'CREATOR.PRICE_TOO_LOW' | 'CREATOR.TIERS_SAME_RATE';
  message: string;
  details?: Record<string, unknown>;
}

/**
 * Why a tier list is refused, or `null` when it is valid: at least one tier, unique known names,
 * positive prices of at least one stroop a second (`CREATOR.PRICE_TOO_LOW`), prices strictly
 * increasing bronze < silver < gold (exactly, per second), and streamed rates strictly increasing
 * too (`CREATOR.TIERS_SAME_RATE`): the chain only knows the rate, so two tiers at one rate could
 * not be told apart for content access.
 *
 * @example tiersProblem([bronze50MPerMonth, silver51MPerMonth]) // { code: 'CREATOR.TIERS_SAME_RATE', … ratePerSecond: '19' }
 */
export function tiersProblem(tiers: readonly Tier[]): TiersProblem | null {
  const invalid = (message: string): TiersProblem => ({ code: 'CREATOR.INVALID_TIERS', message });
  if (tiers.length === 0) return invalid('at least one tier is required');
  const names = new Set(tiers.map((t) => t.name));
  if (names.size !== tiers.length) return invalid('tier names must be unique');
  if (tiers.some((t) => !TIER_ORDER.includes(t.name))) return invalid(`tier names must be one of ${TIER_ORDER.join(', ')}`);
  const ordered = [...tiers].sort((a, b) => TIER_ORDER.indexOf(a.name) - TIER_ORDER.indexOf(b.name));
  const prices = ordered.map((t) => perSecond(t.price));
  if (prices.some((p) => p === null)) return invalid('prices must be positive integers of stroops and periods positive whole seconds');
  const rates = ordered.map((t) => tierRatePerSecond(t.price));
  const free = ordered.find((_, i) => rates[i] === 0n);
  if (free && free.price.kind === 'period') {
    return {
      code: 'CREATOR.PRICE_TOO_LOW',
      message: `${free.name} costs less than one stroop a second: the contract cannot stream it (at least ${free.price.periodSeconds} every ${free.price.periodSeconds} s)`,
      details: { tier: free.name, periodSeconds: free.price.periodSeconds, minimumAmount: String(free.price.periodSeconds) },
    };
  }
  for (let i = 1; i < ordered.length; i++) {
    const [lower, higher] = [ordered[i - 1]!, ordered[i]!];
    if (!lessThan(prices[i - 1]!, prices[i]!)) return invalid(`${higher.name} must cost more than ${lower.name}`);
    if (rates[i]! <= rates[i - 1]!) {
      return {
        code: 'CREATOR.TIERS_SAME_RATE',
        message: `${lower.name} and ${higher.name} would both stream ${rates[i]} stroops a second: raise ${higher.name} to at least ${rates[i]! + 1n} a second`,
        details: { tiers: [lower.name, higher.name], ratePerSecond: rates[i]!.toString() },
      };
    }
  }
  return null;
}
