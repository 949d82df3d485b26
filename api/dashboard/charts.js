// Charts and amounts for the dashboard: SVG bar and line charts, one series per token.

const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#0c8599', '#c92a2a'];

/** Stroops (a decimal string) as whole units: stroops('25000000') → '2.5'. */
export const stroops = (s) => {
  const n = BigInt(s || '0');
  const whole = n / 10_000_000n;
  const frac = (n % 10_000_000n).toString().padStart(7, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
};

/** G…ABCD → G…AB…ABCD, for a line that must stay short. */
export const shortAddress = (a) => (typeof a === 'string' && a.length > 12 ? `${a.slice(0, 5)}…${a.slice(-4)}` : String(a ?? ''));

/**
 * A small bar or line chart into an <svg>: one series per token (`data-token` on its shapes), each
 * scaled to its own maximum because amounts of different tokens are not comparable (nor added).
 * Example: chart($('mrr-chart'), [{ token: 'C…', values: [1, 2] }], 'line').
 */
export function chart(svg, series, kind) {
  svg.replaceChildren();
  const width = 300, height = 120;
  svg.setAttribute('viewBox', `0 0 ${width} ${height + 10}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  series.forEach(({ token, values }, s) => {
    const max = Math.max(1, ...values);
    const color = COLORS[s % COLORS.length];
    const x = (i) => (values.length <= 1 ? 0 : (i * width) / (values.length - 1));
    const y = (v) => height - (v / max) * (height - 4);
    const mark = (element, attributes) => {
      Object.entries({ ...attributes, 'data-token': token ?? 'unknown' }).forEach(([k, val]) => element.setAttribute(k, val));
      svg.append(element);
    };
    if (kind === 'bar') {
      const slot = width / Math.max(1, values.length);
      const w = slot / series.length;
      values.forEach((v, i) => mark(document.createElementNS(SVG, 'rect'), { x: i * slot + s * w + 1, y: y(v), width: Math.max(1, w - 2), height: height - y(v), fill: color }));
    } else {
      mark(document.createElementNS(SVG, 'polyline'), { points: values.map((v, i) => `${x(i)},${y(v)}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 });
    }
  });
}

/** Points with `byToken` → one series per token ({ token, values } in whole units, 0 where a point has none), tokens sorted. */
export function perToken(points) {
  const tokens = [...new Set(points.flatMap((p) => (p.byToken ?? []).map((b) => b.token)))].sort((a, b) => String(a).localeCompare(String(b)));
  return tokens.map((token) => ({
    token,
    values: points.map((p) => Number(stroops((p.byToken ?? []).find((b) => b.token === token)?.amount ?? '0'))),
  }));
}

/** Amounts per token as one line: '2.5 C…AB · 5 C…CD', or '0'. */
export const perTokenText = (items) => (items.length ? items.map((m) => `${m.amount} ${m.token === null ? 'unknown token' : shortAddress(m.token)}`).join(' · ') : '0');
