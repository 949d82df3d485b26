// The SubStream dashboard: plain browser JavaScript modules, no build step. Sign-in by a Stellar
// wallet (SEP-10, wallet-sign-in.js) or a pasted token; data from the analytics routes, live deltas
// from the WebSocket feed (auth by the subprotocols ["bearer", token]).
import { chart, perToken, perTokenText, shortAddress, stroops } from './charts.js';
import { initWalletSignIn } from './wallet-sign-in.js';

const $ = (id) => document.getElementById(id);
const DAY = 86_400_000;
let token = sessionStorage.getItem('substream.token') || '';
let socket = null;
let since = null;
let refreshTimer = null;

function setStatus(text, state) {
  $('status').textContent = text;
  $('status').dataset.state = state;
}

async function api(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

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
    if (event.code === 4401 || event.code === 4403) {
      $('sign-in').hidden = false;
      return setStatus(`refused: ${event.reason}`, 'error');
    }
    setStatus('reconnecting…', 'error');
    setTimeout(connectLive, 1_000);
  };
}

/** Who a token speaks for: a JWT's subject (a wallet), or "API key". */
function subjectOf(credential) {
  if (credential.startsWith('sk_')) return 'API key';
  try {
    return JSON.parse(atob(credential.split('.')[1].replaceAll('-', '+').replaceAll('_', '/'))).sub ?? 'token';
  } catch {
    return 'token';
  }
}

function closeLive() {
  if (socket) { socket.onclose = null; socket.close(); socket = null; }
}

/** Keeps the token for this tab (sessionStorage), shows who is signed in, loads the data and opens the live feed. */
function useToken(credential) {
  token = credential;
  sessionStorage.setItem('substream.token', token);
  closeLive();
  $('who').textContent = subjectOf(token);
  $('who').title = subjectOf(token);
  $('sign-in').hidden = true;
  $('sign-out').hidden = false;
  setStatus('connecting…', 'idle');
  connectLive();
  loadAnalytics();
}

function signOut() {
  token = '';
  sessionStorage.removeItem('substream.token');
  closeLive();
  $('who').textContent = '';
  $('sign-in').hidden = false;
  $('sign-out').hidden = true;
  setStatus('not connected', 'idle');
}

function signInWithToken() {
  const credential = $('token').value.trim();
  if (credential) useToken(credential);
}

initWalletSignIn(useToken);
$('connect').addEventListener('click', signInWithToken);
$('token').addEventListener('keydown', (event) => event.key === 'Enter' && signInWithToken());
$('sign-out').addEventListener('click', signOut);
$('heatmap-form').addEventListener('submit', (event) => { event.preventDefault(); loadHeatmap($('content').value.trim()); });
// A sign-in link (`/dashboard#token=…`, what `substream demo` prints): the fragment never reaches
// the server; it is taken once and wiped from the address bar and history.
const linked = new URLSearchParams(location.hash.slice(1)).get('token');
if (linked) {
  history.replaceState(null, '', location.pathname + location.search);
  useToken(linked);
} else if (token) useToken(token);
