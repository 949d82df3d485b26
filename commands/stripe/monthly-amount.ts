import type Stripe from 'stripe';

const MONTHS: Partial<Record<Stripe.Price.Recurring.Interval, number>> = { month: 1, year: 12 };

/**
 * A Stripe subscription's price in minor units per month, exactly: Σ unit_amount × quantity of its
 * items, each divided by the months of its interval. Null when that is not a whole amount per
 * month or not known (a daily or weekly interval, a tiered or metered price without `unit_amount`).
 *
 * @example monthlyAmountOf(subscription.items.data) // '900' (one EUR 9.00 monthly price)
 */
export function monthlyAmountOf(items: readonly Stripe.SubscriptionItem[]): string | null {
  let total = 0n;
  for (const item of items) {
    const { unit_amount: unit, recurring } = item.price;
    const months = recurring ? MONTHS[recurring.interval] : undefined;
    if (unit === null || months === undefined || !recurring) return null;
    const perPeriod = BigInt(unit) * BigInt(item.quantity ?? 1);
    const period = BigInt(months * recurring.interval_count);
    if (perPeriod % period !== 0n) return null;
    total += perPeriod / period;
  }
  return items.length === 0 ? null : total.toString();
}
