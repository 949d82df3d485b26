import type Stripe from 'stripe';
import t from 'tap';
import { monthlyAmountOf } from '../../../commands/stripe/monthly-amount.ts';

const item = (unit: number | null, interval: string, count = 1, quantity?: number) =>
  ({ price: { unit_amount: unit, recurring: { interval, interval_count: count } }, ...(quantity === undefined ? {} : { quantity }) }) as unknown as Stripe.SubscriptionItem;

t.test('a subscription\'s price per month: exact minor units, or null when not a whole amount per month', async (t) => {
  const cases: [string, Stripe.SubscriptionItem[], string | null][] = [
    ['one monthly price', [item(900, 'month')], '900'],
    ['quantity', [item(900, 'month', 1, 3)], '2700'],
    ['two items', [item(900, 'month'), item(150, 'month', 1, 2)], '1200'],
    ['yearly, divisible', [item(12_000, 'year')], '1000'],
    ['yearly, not divisible', [item(10_000, 'year')], null],
    ['every 3 months', [item(2_700, 'month', 3)], '900'],
    ['weekly', [item(500, 'week')], null],
    ['daily', [item(100, 'day')], null],
    ['tiered (no unit_amount)', [item(null, 'month')], null],
    ['no items', [], null],
    ['largest card price', [item(99_999_999, 'month', 1, 1_000_000)], '99999999000000'],
  ];
  for (const [what, items, want] of cases) t.equal(monthlyAmountOf(items), want, what);
});
