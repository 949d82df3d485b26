// The analytics series (GET /v1/analytics/creators/me/series) as chart input for charts.js.
import { money, tokenLabel } from './money.js';

/** Each point's bucket start in unix seconds (uPlot's x). */
export const times = (points) => points.map((p) => Math.floor(Date.parse(p.start) / 1000));

/**
 * Points with `byToken` → one series per token, tokens sorted: `values` are the amounts in the
 * token's smallest unit (integers: a double holds them exactly below 2^53) for the plot, `texts`
 * the exact amounts the legend shows; a point without the token is 0.
 */
export function perTokenSeries(points) {
  const tokens = [...new Set(points.flatMap((p) => (p.byToken ?? []).map((b) => b.token)))].sort((a, b) => String(a).localeCompare(String(b)));
  return tokens.map((token) => {
    const amounts = points.map((p) => (p.byToken ?? []).find((b) => b.token === token)?.amount ?? '0');
    return { key: token ?? 'unknown', label: tokenLabel(token), values: amounts.map(Number), texts: amounts.map((a) => money(a, token)) };
  });
}

/** The active-subscriber counts as one series. */
export const activeSeries = (points) => [{ key: 'active', label: 'active', values: points.map((p) => p.count ?? 0), texts: points.map((p) => String(p.count ?? 0)) }];

/** Churn per bucket in percent (cancelled ÷ active at its start), null where nobody was active. */
export const churnSeries = (points) => [{
  key: 'churn',
  label: 'churn',
  values: points.map((p) => (p.rate === null || p.rate === undefined ? null : Math.round(p.rate * 10_000) / 100)),
  texts: points.map((p) => (p.rate === null || p.rate === undefined ? 'nobody active' : `${(p.rate * 100).toFixed(2)} % (${p.cancelled ?? 0} of ${p.activeAtStart ?? 0})`)),
}];

/** The last point's amounts per token, for the headline above a chart. */
export const lastPerToken = (points) => (points.at(-1)?.byToken ?? []).map((b) => ({ token: b.token, amount: b.amount }));
