// The live list: each fact of the feed (GET /v1/analytics/live) as a line saying what happened.
import { cardMoney, formatUnits, money, shortAddress } from './money.js';

const MONTH_SECONDS = 2_592_000n;
const MAX_ITEMS = 200;

/**
 * The creator's tiers (GET /v1/creators/:address) as lookups for the feed: a streamed rate (and
 * token) names its tier; `token` is the creator's one token when every tier uses the same.
 */
export function tierBook(tiers) {
  const byRate = new Map(tiers.map((t) => [`${t.token}:${t.streamedRatePerSecond}`, t.name]));
  const tokens = [...new Set(tiers.map((t) => t.token))];
  return {
    name: (token, rate) => byRate.get(`${token}:${rate}`) ?? null,
    token: tokens.length === 1 ? tokens[0] : null,
  };
}

const day = (iso) => (iso ? new Date(iso).toLocaleDateString() : '?');
/** A chain rate as a monthly price (exact: BigInt), e.g. '30 CDLZ…/30 days'. */
const monthly = (rate, token) => `${money((BigInt(rate || '0') * MONTH_SECONDS).toString(), token)}/30 days`;

/**
 * What a fact means, in words: describe({ type: 'SubscriptionActivated', data }, book) →
 * 'GABCD…WXYZ subscribed to gold'. Unknown types are shown by name.
 */
export function describe(delta, book) {
  const d = delta.data || {};
  const who = shortAddress(d.subscriber);
  const tier = (rate) => book.name(d.token ?? book.token, rate);
  const paid = (amount) => (d.currency ? cardMoney(amount, d.currency) : book.token ? money(amount, book.token) : `${formatUnits(amount)} (stroops ÷ 10⁷)`);
  switch (delta.type) {
    case 'SubscriptionActivated':
      if (d.currency) return `${who} subscribed by card (${d.currency})`;
      return `${who} subscribed to ${tier(d.ratePerSecond) ?? `a plan at ${monthly(d.ratePerSecond, d.token)}`}`;
    case 'SubscriptionBilled': return `${who} paid ${paid(d.amount)}`;
    case 'SubscriptionRenewed': return `${who} renewed, paid ${paid(d.amount)}; next bill ${day(d.nextBillingAt)}`;
    case 'TrialStarted': return `${who} started a trial until ${day(d.trialEndsAt)}`;
    case 'GracePeriodStarted': return `${who}: payment failed, grace period until ${day(d.graceEndsAt)}`;
    case 'SubscriptionCancelled': return `${who} cancelled${d.refundAmount && d.refundAmount !== '0' ? `, refunded ${paid(d.refundAmount)}` : ''}`;
    case 'TierChanged': return `${who} changed plan: ${tier(d.oldRate) ?? monthly(d.oldRate, book.token)} → ${tier(d.newRate) ?? monthly(d.newRate, book.token)}`;
    case 'TipReceived': return `${who} tipped ${money(d.amount, d.token)}`;
    case 'StreamWithdrawn': return `${shortAddress(d.beneficiary)} withdrew ${paid(d.amount)} from stream ${d.streamId}`;
    default: return delta.type;
  }
}

/** Puts a fact at the top of the list (`data-type`, `data-position`), keeping the newest MAX_ITEMS. */
export function prependFact(list, delta, book) {
  const item = document.createElement('li');
  item.dataset.type = delta.type;
  item.dataset.position = delta.position;
  const time = document.createElement('time');
  time.dateTime = delta.recordedAt;
  time.textContent = new Date(delta.recordedAt).toLocaleTimeString();
  const text = document.createElement('span');
  text.textContent = describe(delta, book);
  item.append(time, text);
  list.prepend(item);
  while (list.children.length > MAX_ITEMS) list.lastChild.remove();
}
