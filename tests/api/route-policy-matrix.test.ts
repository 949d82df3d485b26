import { randomUUID } from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { SCOPES, type Scope } from '../../api/auth/scopes.ts';
import type { RouteEntry } from '../../api/plugins/route-policy.ts';
import { randomAccount, randomMuxedAccount, TEST_CONTRACT_ID, testApp } from '../support/app.ts';
import { listen } from '../support/listening-app.ts';
import { sep10Login } from '../support/sep10-login.ts';

/**
 * The route table × every kind of caller: each answer must be exactly what the route's declared
 * policy says (denied: 401/403 with the AUTH code the declaration implies; allowed: anything but
 * 401/403, never a 5xx, never a validation failure — the sample request is a valid one). A route
 * without a sample request here fails the test, so a new route cannot skip the matrix.
 */

interface Caller {
  name: string;
  /** The address it acts as (a random one for anonymous). */
  address: string;
  headers: Record<string, string>;
  /** null: anonymous. */
  scopes: 'all' | readonly Scope[] | null;
  /** Whether the tenancy rule (api/auth/principal.ts) makes it act for a creator. */
  tenant: boolean;
}

interface Sample {
  url: string;
  payload?: unknown;
}

const now = Math.floor(Date.now() / 1000);
const uuid = () => randomUUID();
const stream = `${TEST_CONTRACT_ID}-1`;
const content = { title: 'Matrix', minTier: 'gold', url: 'https://cdn.example.com/matrix' };

/** A valid request for every route, keyed `METHOD url`. */
const SAMPLES: Record<string, (caller: Caller) => Sample> = {
  'GET /metrics': () => ({ url: '/metrics' }),
  'GET /docs': () => ({ url: '/docs' }),
  'GET /docs/static/index.html': () => ({ url: '/docs/static/index.html' }),
  'GET /docs/static/swagger-initializer.js': () => ({ url: '/docs/static/swagger-initializer.js' }),
  'GET /docs/json': () => ({ url: '/docs/json' }),
  'GET /docs/yaml': () => ({ url: '/docs/yaml' }),
  'GET /docs/static/*': () => ({ url: '/docs/static/swagger-ui.css' }),
  'GET /health': () => ({ url: '/health' }),
  'GET /ready': () => ({ url: '/ready' }),
  'GET /.well-known/stellar.toml': () => ({ url: '/.well-known/stellar.toml' }),
  'OPTIONS /.well-known/stellar.toml': () => ({ url: '/.well-known/stellar.toml' }),
  'OPTIONS /v1/auth': () => ({ url: '/v1/auth' }),
  'GET /v1/auth': () => ({ url: `/v1/auth?account=${randomAccount()}` }),
  'POST /v1/auth': () => ({ url: '/v1/auth', payload: { transaction: 'AAAA' } }),
  'POST /v1/api-keys': () => ({ url: '/v1/api-keys', payload: { name: 'matrix', scopes: ['streams:read'] } }),
  'GET /v1/api-keys': () => ({ url: '/v1/api-keys' }),
  'DELETE /v1/api-keys/:id': () => ({ url: `/v1/api-keys/${uuid()}` }),
  'POST /v1/webhook-endpoints': () => ({ url: '/v1/webhook-endpoints', payload: { url: 'https://hooks.example.com/matrix', events: ['*'] } }),
  'GET /v1/webhook-endpoints': () => ({ url: '/v1/webhook-endpoints' }),
  'GET /v1/webhook-endpoints/:id': () => ({ url: `/v1/webhook-endpoints/${uuid()}` }),
  'PATCH /v1/webhook-endpoints/:id': () => ({ url: `/v1/webhook-endpoints/${uuid()}`, payload: { enabled: false } }),
  'DELETE /v1/webhook-endpoints/:id': () => ({ url: `/v1/webhook-endpoints/${uuid()}` }),
  'POST /v1/webhook-endpoints/:id/rotate-secret': () => ({ url: `/v1/webhook-endpoints/${uuid()}/rotate-secret` }),
  'GET /v1/webhook-endpoints/:id/deliveries': () => ({ url: `/v1/webhook-endpoints/${uuid()}/deliveries` }),
  'POST /v1/webhook-endpoints/:id/deliveries/:deliveryId/retry': () => ({ url: `/v1/webhook-endpoints/${uuid()}/deliveries/${uuid()}/retry` }),
  'POST /v1/me/email': () => ({ url: '/v1/me/email', payload: { address: 'matrix@example.com' } }),
  'GET /v1/me/email': () => ({ url: '/v1/me/email' }),
  'DELETE /v1/me/email': () => ({ url: '/v1/me/email' }),
  'GET /v1/email/verify': () => ({ url: '/v1/email/verify?token=matrix' }),
  'GET /v1/email/unsubscribe': () => ({ url: '/v1/email/unsubscribe?token=matrix' }),
  'POST /v1/email/unsubscribe': () => ({ url: '/v1/email/unsubscribe?token=matrix' }),
  'GET /v1/config/flags': () => ({ url: '/v1/config/flags' }),
  'PUT /v1/admin/config/flags/bulk': () => ({ url: '/v1/admin/config/flags/bulk', payload: { flags: [{ name: 'matrix', enabled: true }] } }),
  'PUT /v1/admin/config/flags/:flagName': () => ({ url: '/v1/admin/config/flags/matrix-one', payload: { enabled: false } }),
  'GET /v1/admin/config/flags/audit': () => ({ url: '/v1/admin/config/flags/audit' }),
  'POST /v1/creators': () => ({ url: '/v1/creators', payload: { displayName: 'Matrix' } }),
  'PUT /v1/creators/me/tiers': () => ({ url: '/v1/creators/me/tiers', payload: { tiers: [] } }),
  'GET /v1/creators/:address': () => ({ url: `/v1/creators/${randomAccount()}` }),
  'GET /v1/creators/me/subscribers': () => ({ url: '/v1/creators/me/subscribers' }),
  'GET /v1/creators/me/subscribers/diff': () => ({ url: '/v1/creators/me/subscribers/diff?from=100&to=2026-12-01T00:00:00Z' }),
  'POST /v1/subscriptions': () => ({ url: '/v1/subscriptions', payload: { creator: randomAccount(), tier: 'gold' } }),
  'POST /v1/subscriptions/:id/cancel': (caller) => ({ url: `/v1/subscriptions/${caller.address}-${randomAccount()}/cancel` }),
  'GET /v1/subscriptions/:id': () => ({ url: `/v1/subscriptions/${randomAccount()}-${randomAccount()}` }),
  'GET /v1/subscriptions/:id/history': () => ({ url: `/v1/subscriptions/${randomAccount()}-${randomAccount()}/history` }),
  'GET /v1/me/subscriptions': () => ({ url: '/v1/me/subscriptions' }),
  'POST /v1/streams': () => ({ url: '/v1/streams', payload: { receiver: randomAccount(), token: TEST_CONTRACT_ID, amount: '600', start: now + 60, end: now + 660 } }),
  'POST /v1/streams/:id/withdraw': () => ({ url: `/v1/streams/${stream}/withdraw`, payload: {} }),
  'POST /v1/streams/:id/cancel': () => ({ url: `/v1/streams/${stream}/cancel` }),
  'GET /v1/streams': () => ({ url: '/v1/streams' }),
  'GET /v1/streams/stats': () => ({ url: '/v1/streams/stats' }),
  'GET /v1/streams/search': () => ({ url: '/v1/streams/search?q=G' }),
  'GET /v1/streams/:id': () => ({ url: `/v1/streams/${stream}` }),
  'GET /v1/streams/:id/history': () => ({ url: `/v1/streams/${stream}/history` }),
  'POST /v1/invoice-links': () => ({ url: '/v1/invoice-links', payload: { receiver: randomAccount(), tokenAddress: TEST_CONTRACT_ID, amount: '100', duration: 60 } }),
  'GET /v1/invoice-links/:slug': () => ({ url: '/v1/invoice-links/AAAAAAAAAAAAAAAA' }),
  'GET /v1/invoice-links': () => ({ url: '/v1/invoice-links' }),
  'PATCH /v1/invoice-links/:id/status': () => ({ url: `/v1/invoice-links/${uuid()}/status`, payload: { status: 'SIGNED', txHash: 'a'.repeat(64) } }),
  'DELETE /v1/invoice-links/:id': () => ({ url: `/v1/invoice-links/${uuid()}` }),
  'POST /v1/content': () => ({ url: '/v1/content', payload: content }),
  'PUT /v1/content/:id': () => ({ url: `/v1/content/${uuid()}`, payload: content }),
  'DELETE /v1/content/:id': () => ({ url: `/v1/content/${uuid()}` }),
  'GET /v1/creators/:address/content': () => ({ url: `/v1/creators/${randomAccount()}/content` }),
  'GET /v1/content/:id/access': () => ({ url: `/v1/content/${uuid()}/access` }),
  'POST /v1/analytics/view-events': () => ({
    url: '/v1/analytics/view-events',
    payload: { events: [{ contentId: 'matrix', positionSeconds: 1, watchedSeconds: 1, at: new Date().toISOString() }] },
  }),
  'GET /v1/analytics/heatmap/:contentId': () => ({ url: '/v1/analytics/heatmap/matrix' }),
  'GET /v1/analytics/creators/me': () => ({ url: '/v1/analytics/creators/me' }),
  'GET /v1/analytics/creators/me/series': () => ({ url: '/v1/analytics/creators/me/series?metric=mrr&from=2026-01-01&to=2026-01-08' }),
  'POST /v1/exports': () => ({ url: '/v1/exports', payload: { dataset: 'billing', format: 'csv' } }),
  'GET /v1/exports/:id': () => ({ url: `/v1/exports/${uuid()}` }),
  'GET /v1/exports': () => ({ url: '/v1/exports' }),
  'GET /v1/me/data': () => ({ url: '/v1/me/data' }),
  // Erases the caller itself (confirmed with its own address): harmless to the other samples.
  'POST /v1/me/erase': (caller) => ({ url: '/v1/me/erase', payload: { confirm: caller.address } }),
  'POST /v1/reconciliation/runs': () => ({ url: '/v1/reconciliation/runs', payload: {} }),
  'GET /v1/reconciliation/runs/:id': () => ({ url: `/v1/reconciliation/runs/${uuid()}` }),
  'GET /v1/reconciliation/runs': () => ({ url: '/v1/reconciliation/runs' }),
  'GET /v1/analytics/live': () => ({ url: '/v1/analytics/live' }),
  'GET /dashboard': () => ({ url: '/dashboard' }),
  'GET /dashboard/dashboard.js': () => ({ url: '/dashboard/dashboard.js' }),
  'GET /': () => ({ url: '/' }),
  'POST /v1/webhooks/stripe': () => ({ url: '/v1/webhooks/stripe', payload: { id: 'evt_1', type: 'ping' } }),
  'GET /dashboard/dashboard.css': () => ({ url: '/dashboard/dashboard.css' }),
  'GET /dashboard/charts.js': () => ({ url: '/dashboard/charts.js' }),
  'GET /dashboard/feed.js': () => ({ url: '/dashboard/feed.js' }),
  'GET /dashboard/heatmap.js': () => ({ url: '/dashboard/heatmap.js' }),
  'GET /dashboard/metrics.js': () => ({ url: '/dashboard/metrics.js' }),
  'GET /dashboard/money.js': () => ({ url: '/dashboard/money.js' }),
  'GET /dashboard/sep10-client.js': () => ({ url: '/dashboard/sep10-client.js' }),
  'GET /dashboard/wallet-sign-in.js': () => ({ url: '/dashboard/wallet-sign-in.js' }),
  'GET /dashboard/vendor/freighter-api.js': () => ({ url: '/dashboard/vendor/freighter-api.js' }),
  'GET /dashboard/vendor/uplot.js': () => ({ url: '/dashboard/vendor/uplot.js' }),
  'GET /dashboard/vendor/uplot.css': () => ({ url: '/dashboard/vendor/uplot.css' }),
};

/** What the declaration says this caller gets: null (allowed) or the status and code of the refusal. */
function expected(route: RouteEntry, caller: Caller): { status: number; code: string } | null {
  const { policy } = route;
  if (policy.auth !== 'required') return null;
  if (caller.scopes === null) return { status: 401, code: 'AUTH.MISSING_TOKEN' };
  const held = caller.scopes;
  const lacks = policy.scopes === 'any' ? [] : policy.scopes.filter((s) => held !== 'all' && !held.includes('admin:all') && !held.includes(s));
  if (lacks.length > 0) return { status: 403, code: 'AUTH.SCOPE_MISSING' };
  if (policy.tenant && !caller.tenant) return { status: 403, code: 'AUTH.TENANT_REQUIRED' };
  return null;
}

type Answer = { status: number; code: string | undefined; body: string };

/** A WebSocket route over a real connection: a first message is allowed, a close 4401/4403 is 401/403 with the code as reason. */
async function callWebSocket(base: string, sample: Sample, caller: Caller): Promise<Answer> {
  const socket = new WebSocket(`${base.replace('http', 'ws')}${sample.url}`, { headers: caller.headers } as unknown as string[]);
  const answer = await new Promise<Answer>((resolve) => {
    socket.addEventListener('message', (event) => resolve({ status: 101, code: undefined, body: String(event.data) }));
    socket.addEventListener('close', (event) => resolve({ status: event.code === 4401 ? 401 : event.code === 4403 ? 403 : event.code, code: event.reason, body: `closed ${event.code} ${event.reason}` }));
  });
  socket.close();
  return answer;
}

async function call(app: FastifyInstance, base: string, route: RouteEntry, sample: Sample, caller: Caller): Promise<Answer> {
  if (route.websocket) return callWebSocket(base, sample, caller);
  const response = await app.inject({
    method: route.method as 'GET', url: sample.url, headers: caller.headers,
    ...(sample.payload === undefined ? {} : { payload: sample.payload as object }),
  });
  let code: string | undefined;
  try {
    code = (response.json() as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: response.statusCode, code, body: response.body.slice(0, 300) };
}

t.test('every route answers every caller exactly as its declared policy says', async (t) => {
  // Card payments configured (nothing is sent to the unreachable API base by these samples), so the
  // Stripe webhook answers by its signature instead of 503 PAYMENTS.CARD_DISABLED.
  const stripe = { STRIPE_SECRET_KEY: 'sk_test_matrix', STRIPE_API_BASE: 'http://127.0.0.1:9', STRIPE_WEBHOOK_SECRET: 'whsec_matrix', STRIPE_SUCCESS_URL: 'https://app.example/ok', STRIPE_CANCEL_URL: 'https://app.example/cancel' };
  const { app, token } = await testApp(t, { RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_PER_IP_PER_MINUTE: '100000', STELLARSTREAM_CONTRACT_ID: TEST_CONTRACT_ID, EXPORT_S3_BUCKET: 'exports', ...stripe });
  const base = await listen(app);
  const creator = randomAccount();
  const owner = { authorization: `Bearer ${await token(creator, creator)}` };
  const keyWith = async (scopes: readonly Scope[]): Promise<Record<string, string>> => {
    const created = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: owner, payload: { name: scopes.length === 1 ? scopes[0]! : 'every scope', scopes } });
    if (created.statusCode !== 201) throw new Error(created.body);
    return { 'x-api-key': created.json().key };
  };
  const wallet = Keypair.random();
  const delegate = randomAccount();
  const shared = randomMuxedAccount();
  const callers: Caller[] = [
    { name: 'anonymous', address: randomAccount(), headers: {}, scopes: null, tenant: false },
    ...(await Promise.all(SCOPES.map(async (scope) => ({ name: `API key ${scope}`, address: creator, headers: await keyWith([scope]), scopes: [scope], tenant: true })))),
    { name: 'API key with every scope', address: creator, headers: await keyWith(SCOPES), scopes: SCOPES, tenant: true },
    { name: 'SEP-10 wallet', address: wallet.publicKey(), headers: { authorization: `Bearer ${await sep10Login(app, wallet)}` }, scopes: 'all', tenant: true },
    { name: 'tenant JWT', address: creator, headers: owner, scopes: 'all', tenant: true },
    { name: 'delegated JWT (tenant ≠ sub)', address: delegate, headers: { authorization: `Bearer ${await token(delegate, creator)}` }, scopes: 'all', tenant: true },
    { name: 'muxed shared-account JWT', address: shared, headers: { authorization: `Bearer ${await token(shared)}` }, scopes: 'all', tenant: false },
  ];

  const missing = app.routeTable.filter((route) => !SAMPLES[`${route.method} ${route.url}`]).map((route) => `${route.method} ${route.url}`);
  t.same(missing, [], 'every route has a sample request in this matrix');
  t.ok(app.routeTable.length >= 50, `the route table lists every route (${app.routeTable.length})`);

  let cells = 0;
  for (const route of app.routeTable) {
    const sample = SAMPLES[`${route.method} ${route.url}`];
    if (!sample) continue;
    for (const caller of callers) {
      const answer = await call(app, base, route, sample(caller), caller);
      const want = expected(route, caller);
      const label = `${route.method} ${route.url} as ${caller.name}`;
      cells += 1;
      if (want) {
        if (answer.status !== want.status || answer.code !== want.code) t.fail(`${label}: wanted ${want.status} ${want.code}, got ${answer.status} ${answer.body}`);
      } else if (answer.status === 401 || answer.status === 403 || answer.status >= 500 || answer.code === 'VALIDATION.FAILED') {
        t.fail(`${label}: allowed by its policy, got ${answer.status} ${answer.body}`);
      }
    }
  }
  t.equal(cells, app.routeTable.length * callers.length, `${app.routeTable.length} routes × ${callers.length} callers checked`);
  t.comment(`route policy matrix: ${app.routeTable.length} routes × ${callers.length} callers = ${cells} requests`);
});
