// Time charts, drawn by uPlot (served from node_modules): one series per token for amounts,
// which are plotted in the token's smallest unit and labelled exactly (money.js), never scaled
// or summed across tokens.
import uPlot from './vendor/uplot.js';
import { formatUnits } from './money.js';

const COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#0c8599', '#c92a2a'];
const HEIGHT = 150;

/**
 * Draws a time chart into `box` (replacing what was there) and marks it with `data-points` (the
 * points that have a value) and `data-series` (the series' keys). `x` holds each point's time in
 * unix seconds; each series has a `key`, a `label`, `values` to plot (numbers or null) and `texts`,
 * what the legend shows for each point; `axis` labels a y tick.
 *
 * @example timeChart(box, { x: [1764720000], series: [{ key: 'active', label: 'active', values: [3], texts: ['3'] }] });
 */
export function timeChart(box, { x, series, kind = 'line', axis = (v) => String(v) }) {
  box.replaceChildren();
  box.dataset.points = String(series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0));
  box.dataset.series = series.map((s) => s.key).join(' ');
  const bars = uPlot.paths.bars({ size: [0.7, 24] });
  const options = {
    width: Math.max(260, box.clientWidth),
    height: HEIGHT,
    scales: { x: { time: true } },
    axes: [{}, { size: 64, values: (_u, ticks) => ticks.map(axis) }],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: COLORS[i % COLORS.length],
        fill: kind === 'bars' ? `${COLORS[i % COLORS.length]}aa` : undefined,
        width: kind === 'bars' ? 0 : 2,
        paths: kind === 'bars' ? bars : undefined,
        points: { show: kind !== 'bars' && x.length < 40 },
        value: (_u, _raw, _series, index) => (index === null || index === undefined ? '–' : s.texts[index] ?? '–'),
      })),
    ],
  };
  return new uPlot(options, [x, ...series.map((s) => s.values)], box);
}

/** A y tick of an amount chart (plotted in the smallest unit) as whole units, exactly. */
export const unitsAxis = (value) => formatUnits(BigInt(Math.round(value)).toString());
