// The SubStream dashboard: plain browser JavaScript, no build step. Data from the analytics routes,
// live deltas from the WebSocket feed (auth by the subprotocols ["bearer", token]).
'use strict';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const DAY = 86_400_000;
let token = sessionStorage.getItem('substream.token') || '';
let socket = null;
let since = null;
let refreshTimer = null;

const stroops = (s) => {
  const n = BigInt(s || '0');
  const whole = n / 10_000_000n;
  const frac = (n % 10_000_000n).toString().padStart(7, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
};
const shortAddress = (a) => (typeof a === 'string' && a.length > 12 ? `${a.slice(0, 5)}…${a.slice(-4)}` : String(a ?? ''));

function setStatus(text, state) {
  $('status').textContent = text;
  $('status').dataset.state = state;
}

async function api(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

const COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#0c8599', '#c92a2a'];

/**
 * A small bar or line chart into an <svg>: one series per token (`data-token` on its shapes), each
 * scaled to its own maximum because amounts of different tokens are not comparable (nor added).
 */
function chart(svg, series, kind) {
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
function perToken(points) {
  const tokens = [...new Set(points.flatMap((p) => (p.byToken ?? []).map((b) => b.token)))].sort((a, b) => String(a).localeCompare(String(b)));
  return tokens.map((token) => ({
    token,
    values: points.map((p) => Number(stroops((p.byToken ?? []).find((b) => b.token === token)?.amount ?? '0'))),
  }));
}

const perTokenText = (items) => (items.length ? items.map((m) => `${m.amount} ${m.token === null ? 'unknown token' : shortAddress(m.token)}`).join(' · ') : '0');

async function loadAnalytics() {
  const to = new Date(Math.ceil(Date.now() / DAY) * DAY);
  const from = new Date(to.getTime() - 30 * DAY);
  const range = `from=${from.toISOString()}&to=${to.toISOString()}&bucket=day`;
  try {
    const [me, revenue, mrr, active] = await Promise.all([
      api('/v1/analytics/creators/me'),
      api(`/v1/analytics/creators/me/series?metric=revenue&${range}`),
      api(`/v1/analytics/creators/me/series?metric=mrr&${range}`),
      api(`/v1/analytics/creators/me/series?metric=active&${range}`),
    ]);
    $('mrr').textContent = perTokenText(me.mrr.map((m) => ({ token: m.token, amount: stroops(m.amount) })));
    $('active').textContent = String(me.counts.active);
    const days = perToken(revenue.points);
    $('revenue').textContent = `${perTokenText(days.map((d) => ({ token: d.token, amount: d.values.at(-1) ?? 0 })))} today`;
    chart($('revenue-chart'), days, 'bar');
    chart($('mrr-chart'), perToken(mrr.points), 'line');
    chart($('active-chart'), [{ token: null, values: active.points.map((p) => p.count ?? 0) }], 'line');
  } catch (error) {
    setStatus(`analytics unavailable (${error.message}); the live feed still runs`, 'error');
  }
}

async function loadHeatmap(contentId) {
  const canvas = $('heatmap');
  const context = canvas.getContext('2d');
  context.clearRect(0, 0, canvas.width, canvas.height);
  try {
    const { buckets, bucketSeconds } = await api(`/v1/analytics/heatmap/${encodeURIComponent(contentId)}?bucket=5`);
    const max = Math.max(1, ...buckets.map((b) => b.watchedSeconds));
    const last = Math.max(1, ...buckets.map((b) => b.startSecond / bucketSeconds + 1));
    const w = canvas.width / last;
    for (const b of buckets) {
      const heat = b.watchedSeconds / max;
      context.fillStyle = `hsl(${220 - 220 * heat} 80% ${92 - 45 * heat}%)`;
      context.fillRect((b.startSecond / bucketSeconds) * w, 0, Math.ceil(w), canvas.height);
    }
    $('heatmap-note').textContent = `${buckets.length} buckets of ${bucketSeconds} s; hotter = more watched`;
  } catch (error) {
    $('heatmap-note').textContent = `heatmap unavailable: ${error.message}`;
  }
}

function describe(delta) {
  const d = delta.data || {};
  switch (delta.type) {
    case 'SubscriptionActivated': return `${shortAddress(d.subscriber)} subscribed (${d.ratePerSecond ?? '?'} stroops/s)`;
    case 'SubscriptionBilled': return `${shortAddress(d.subscriber)} billed ${stroops(d.amount)}`;
    case 'SubscriptionCancelled': return `${shortAddress(d.subscriber)} cancelled`;
    case 'StreamWithdrawn': return `stream ${d.streamId} withdrawn ${stroops(d.amount)}`;
    default: return delta.type;
  }
}

function tick(delta) {
  const item = document.createElement('li');
  item.dataset.type = delta.type;
  item.dataset.position = delta.position;
  item.textContent = `${new Date(delta.recordedAt).toLocaleTimeString()}  ${delta.type}  ${describe(delta)}`;
  $('ticker').prepend(item);
  while ($('ticker').children.length > 100) $('ticker').lastChild.remove();
}

function connectLive() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${location.host}/v1/analytics/live${since ? `?since=${encodeURIComponent(since)}` : ''}`;
  socket = new WebSocket(url, ['bearer', token]);
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'ready') setStatus('live', 'live');
    if (message.type === 'deltas') {
      message.deltas.forEach(tick);
      since = message.position;
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(loadAnalytics, 1_000);
    }
    if (message.type === 'views') {
      $('views').textContent = `views last second: ${Object.entries(message.counts).map(([c, n]) => `${c} ${n}`).join(', ')}`;
    }
  };
  socket.onclose = (event) => {
    if (event.code === 4401 || event.code === 4403) return setStatus(`refused: ${event.reason}`, 'error');
    setStatus('reconnecting…', 'error');
    setTimeout(connectLive, 1_000);
  };
}

function signIn() {
  token = $('token').value.trim();
  if (!token) return;
  sessionStorage.setItem('substream.token', token);
  if (socket) { socket.onclose = null; socket.close(); }
  setStatus('connecting…', 'idle');
  connectLive();
  loadAnalytics();
}

$('connect').addEventListener('click', signIn);
$('token').addEventListener('keydown', (event) => event.key === 'Enter' && signIn());
$('heatmap-form').addEventListener('submit', (event) => { event.preventDefault(); loadHeatmap($('content').value.trim()); });
if (token) { $('token').value = token; signIn(); }
