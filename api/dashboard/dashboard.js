// The SubStream dashboard: plain browser JavaScript modules, no build step. Sign-in by a Stellar
// wallet (SEP-10, wallet-sign-in.js) or a pasted token; charts (uPlot) from the analytics routes, a
// heat strip per content item, and the live feed (WebSocket, auth by the subprotocols ["bearer", token]) in words.
import { timeChart, unitsAxis } from './charts.js';
import { prependFact, tierBook } from './feed.js';
import { drawStrip, fillContentList } from './heatmap.js';
import { activeSeries, churnSeries, lastPerToken, perTokenSeries, times } from './metrics.js';
import { perTokenText } from './money.js';
import { initWalletSignIn } from './wallet-sign-in.js';

const $ = (id) => document.getElementById(id);
const DAY = 86_400_000;
/** Days the charts cover (the demo's sample spans 90). */
const HISTORY_DAYS = 90;
let token = sessionStorage.getItem('substream.token') || '';
let socket = null;
let since = null;
let refreshTimer = null;
/** The signed-in creator's tiers, naming plans in the live list. */
let book = tierBook([]);
let tenant = null;

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
  const from = new Date(to.getTime() - HISTORY_DAYS * DAY);
  const range = `from=${from.toISOString()}&to=${to.toISOString()}&bucket=day`;
  const series = (metric) => api(`/v1/analytics/creators/me/series?metric=${metric}&${range}`);
  try {
    const [me, revenue, mrr, active, churn] = await Promise.all([api('/v1/analytics/creators/me'), series('revenue'), series('mrr'), series('active'), series('churn')]);
    $('mrr').textContent = perTokenText(me.mrr);
    $('active').textContent = String(me.counts.active);
    const cancelled = churn.points.reduce((n, p) => n + (p.cancelled ?? 0), 0);
    $('churn').textContent = `${cancelled} cancelled`;
    $('revenue').textContent = `${perTokenText(lastPerToken(revenue.points))} today`;
    timeChart($('mrr-chart'), { x: times(mrr.points), series: perTokenSeries(mrr.points), axis: unitsAxis });
    timeChart($('active-chart'), { x: times(active.points), series: activeSeries(active.points) });
    timeChart($('churn-chart'), { x: times(churn.points), series: churnSeries(churn.points), axis: (v) => `${v} %` });
    timeChart($('revenue-chart'), { x: times(revenue.points), series: perTokenSeries(revenue.points), kind: 'bars', axis: unitsAxis });
    if (tenant !== me.tenantId) await loadCreator(me);
  } catch (error) {
    setStatus(`analytics unavailable (${error.message}); the live feed still runs`, 'error');
  }
}

/**
 * The creator's content (the heatmap's list) and tiers (naming plans in the live list), from public
 * routes. Only a registered creator with tiers publishes content; a tenant without content may
 * have no profile (a wallet that only subscribes, or chain facts from another front end), so its
 * profile is not asked for (no 404 logged) and the live list names plans by price, not tier.
 */
async function loadCreator(me) {
  tenant = me.tenantId;
  const path = `/v1/creators/${encodeURIComponent(me.tenantId)}`;
  try {
    const content = await api(`${path}/content?limit=200`);
    fillContentList($('content'), content.items);
    book = tierBook(content.items.length > 0 ? (await api(path)).tiers : []);
  } catch (error) {
    $('heatmap-note').textContent = `no creator profile for this account (${error.message})`;
  }
}

async function loadHeatmap(contentId) {
  if (!contentId) return;
  try {
    const heatmap = await api(`/v1/analytics/heatmap/${encodeURIComponent(contentId)}?bucket=10`);
    drawStrip($('heatmap'), contentId, heatmap);
    $('heatmap-note').textContent = heatmap.buckets.length
      ? `${heatmap.buckets.length} buckets of ${heatmap.bucketSeconds} s watched; hotter = more seconds watched`
      : 'not watched yet';
  } catch (error) {
    $('heatmap-note').textContent = `heatmap unavailable: ${error.message}`;
  }
}

function connectLive() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${location.host}/v1/analytics/live${since ? `?since=${encodeURIComponent(since)}` : ''}`;
  socket = new WebSocket(url, ['bearer', token]);
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'ready') setStatus('live', 'live');
    if (message.type === 'deltas') {
      for (const delta of message.deltas) prependFact($('ticker'), delta, book);
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
  tenant = null;
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
$('content').addEventListener('change', () => loadHeatmap($('content').value));
// A sign-in link (`/dashboard#token=…`, what `substream demo` prints): the fragment never reaches
// the server; it is taken once and wiped from the address bar and history.
const linked = new URLSearchParams(location.hash.slice(1)).get('token');
if (linked) {
  history.replaceState(null, '', location.pathname + location.search);
  useToken(linked);
} else if (token) useToken(token);
