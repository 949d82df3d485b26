import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { encodePosition, MIN_POSITION_HEADER, POSITION_HEADER } from '../../api/consistency/position-token.ts';
import { creatorsProjector } from '../../projections/creators/projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { randomContract } from '../support/stream-events.ts';

/**
 * The bounds of read your writes: a token ahead of a stopped projector is 503 READ_MODEL.BEHIND
 * after READ_YOUR_WRITES_TIMEOUT_MS, with Retry-After and the lag; a waiter wakes on the
 * projector's announcement, not on a poll; a malformed token is 400 on every query that reads a
 * read model, in either form; and every query route either declares what it reads or is known
 * to read none.
 */

/** GET routes under /v1 that read no read model, and what they read instead. */
const READS_NO_MODEL: Record<string, string> = {
  'GET /v1/auth': 'builds a SEP-10 challenge',
  'GET /v1/api-keys': 'the api_keys table, written in the request',
  'GET /v1/config/flags': 'feature flags, written in the request',
  'GET /v1/admin/config/flags/audit': 'the flags audit table',
  'GET /v1/analytics/live': 'a WebSocket fed by the log itself',
  'GET /v1/exports': 'the export_jobs table, written in the request and by the export worker',
  'GET /v1/exports/:id': 'the export_jobs table, written in the request and by the export worker',
  'GET /v1/reconciliation/runs': 'the reconciliation_runs table, written by the run itself (in the request, the CLI or the daily job)',
  'GET /v1/reconciliation/runs/:id': 'the reconciliation_runs table, written by the run itself (in the request, the CLI or the daily job)',
  'GET /v1/webhook-endpoints': 'the webhook_endpoints table, written in the request',
  'GET /v1/webhook-endpoints/:id': 'the webhook_endpoints table, written in the request',
  'GET /v1/webhook-endpoints/:id/deliveries': 'the webhook_deliveries table, written by the dispatcher and workers',
  'GET /v1/me/email': 'the email_addresses table, written in the request',
  'GET /v1/email/verify': 'a link in an email: verifies an address in the email_addresses table',
  'GET /v1/email/unsubscribe': 'a link in an email: a page with the one-click unsubscribe button',
};

/** A valid URL for every query that declares `reads`. */
const SAMPLES: Record<string, string> = {
  'GET /v1/creators/:address': `/v1/creators/${randomAccount()}`,
  'GET /v1/creators/me/subscribers': '/v1/creators/me/subscribers',
  'GET /v1/creators/me/subscribers/diff': '/v1/creators/me/subscribers/diff?from=100&to=2026-12-01T00:00:00Z',
  'GET /v1/subscriptions/:id': `/v1/subscriptions/${randomAccount()}-${randomAccount()}`,
  'GET /v1/subscriptions/:id/history': `/v1/subscriptions/${randomAccount()}-${randomAccount()}/history`,
  'GET /v1/me/subscriptions': '/v1/me/subscriptions',
  'GET /v1/streams': '/v1/streams',
  'GET /v1/streams/stats': '/v1/streams/stats',
  'GET /v1/streams/search': '/v1/streams/search?q=G',
  'GET /v1/streams/:id': `/v1/streams/${randomContract()}-1`,
  'GET /v1/streams/:id/history': `/v1/streams/${randomContract()}-1/history`,
  'GET /v1/invoice-links/:slug': '/v1/invoice-links/AAAAAAAAAAAAAAAA',
  'GET /v1/invoice-links': '/v1/invoice-links',
  'GET /v1/creators/:address/content': `/v1/creators/${randomAccount()}/content`,
  'GET /v1/content/:id/access': `/v1/content/${randomUUID()}/access`,
  'GET /v1/analytics/heatmap/:contentId': '/v1/analytics/heatmap/ep-1',
  'GET /v1/analytics/creators/me': '/v1/analytics/creators/me',
  'GET /v1/me/data': '/v1/me/data',
  'GET /v1/analytics/creators/me/series': '/v1/analytics/creators/me/series?metric=mrr&from=2026-01-01&to=2026-01-08',
};

t.test('a token ahead of a stopped projector: 503 READ_MODEL.BEHIND after the bound, with Retry-After and the lag', async (t) => {
  const { app, database, token } = await testApp(t, { READ_YOUR_WRITES_TIMEOUT_MS: '300' });
  const creator = randomAccount();
  const headers = { authorization: `Bearer ${await token(creator, creator)}` };
  const registered = await app.inject({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Ada' } });
  const first = registered.headers[POSITION_HEADER] as string;
  const read = (position: string) => app.inject({ method: 'GET', url: `/v1/creators/${creator}`, headers: { [MIN_POSITION_HEADER]: position } });

  let started = Date.now();
  const never = await read(first);
  t.ok(Date.now() - started >= 300, `waited the bound (${Date.now() - started} ms)`);
  t.equal(never.statusCode, 503);
  t.equal(never.headers['retry-after'], '1');
  t.match(never.json(), { code: 'READ_MODEL.BEHIND', details: { position: first, behind: [{ readModel: 'creators', position: null, events: 1 }] }, requestId: String });

  await catchUp(database.db, creatorsProjector);
  t.match((await read(first)).json(), { displayName: 'Ada' }, 'once the projector passed the token, the same query answers');
  const renamed = await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers, payload: { tiers: [{ name: 'gold', token: randomContract(), price: { kind: 'rate', ratePerSecond: '5' } }] } });
  const second = renamed.headers[POSITION_HEADER] as string;
  started = Date.now();
  const behind = await read(second);
  t.equal(behind.statusCode, 503, 'the projector stopped again: a later token is behind it');
  t.match(behind.json().details.behind, [{ readModel: 'creators', position: first, events: 1 }], 'the lag: the checkpoint and the events still to absorb');
  t.ok(Date.now() - started < 2_000, 'bounded by READ_YOUR_WRITES_TIMEOUT_MS, not the default');
  t.equal((await app.inject({ method: 'GET', url: `/v1/creators/${creator}` })).statusCode, 200, 'without a token nothing changes');
});

t.test('a waiting query wakes on the projector\'s announcement (NOTIFY), not on a poll', async (t) => {
  const { app, database, token } = await testApp(t, { READ_YOUR_WRITES_TIMEOUT_MS: '20000', READ_YOUR_WRITES_POLL_MS: '60000' });
  const creator = randomAccount();
  const registered = await app.inject({ method: 'POST', url: '/v1/creators', headers: { authorization: `Bearer ${await token(creator, creator)}` }, payload: { displayName: 'Wake' } });
  const position = registered.headers[POSITION_HEADER] as string;
  const started = Date.now();
  const waiting = app.inject({ method: 'GET', url: `/v1/creators/${creator}?minPosition=${position}` });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await catchUp(database.db, creatorsProjector);
  const projected = Date.now();
  const answer = await waiting;
  const elapsed = Date.now() - started;
  t.equal(answer.statusCode, 200, answer.body);
  t.ok(elapsed >= 200, `it waited for the projector (${elapsed} ms)`);
  t.ok(Date.now() - projected < 1_000, `and answered ${Date.now() - projected} ms after the projector committed: woken, not polled (poll 60 s)`);
});

t.test('a malformed token is 400 CONSISTENCY.INVALID_POSITION on every query that reads a model, in either form', async (t) => {
  const { app, token } = await testApp(t, { RATE_LIMIT_PER_MINUTE: '100000' });
  const creator = randomAccount();
  const headers = { authorization: `Bearer ${await token(creator, creator)}` };
  const queries = app.routeTable.filter((r) => r.policy.reads).map((r) => `${r.method} ${r.url}`);
  t.same(queries.filter((q) => !SAMPLES[q]), [], 'every query that declares reads has a sample here');
  const undeclared = app.routeTable.filter((r) => r.method === 'GET' && r.url.startsWith('/v1/') && !r.policy.reads && !READS_NO_MODEL[`${r.method} ${r.url}`]);
  t.same(undeclared.map((r) => r.url), [], 'every other query under /v1 is known to read no read model');

  const malformed = [
    '', 'abc', 'G'.repeat(32), '0'.repeat(31), '0'.repeat(33), 'A'.repeat(32), `${'0'.repeat(16)}8${'0'.repeat(15)}`, ' '.repeat(32),
    Buffer.from('1-2').toString('base64url'),
    ...Array.from({ length: 16 }, () => randomBytes(1 + Math.floor(Math.random() * 40)).toString(Math.random() < 0.5 ? 'base64url' : 'hex').slice(0, 64)),
  ].filter((value) => !/^[0-9a-f]{32}$/.test(value) || BigInt(`0x${value.slice(16)}`) >= 1n << 63n);
  const valid = encodePosition({ commit: 0n, prepare: 0n });
  for (const query of queries) {
    const url = SAMPLES[query]!;
    const control = await app.inject({ method: 'GET', url, headers: { ...headers, [MIN_POSITION_HEADER]: valid } });
    t.not(control.statusCode, 400, `${query}: a well-formed token is accepted (${control.statusCode})`);
    for (const value of malformed) {
      for (const form of ['header', 'query'] as const) {
        const request = form === 'header'
          ? { method: 'GET' as const, url, headers: { ...headers, [MIN_POSITION_HEADER]: value } }
          : { method: 'GET' as const, url: `${url}${url.includes('?') ? '&' : '?'}minPosition=${encodeURIComponent(value)}`, headers };
        const answer = await app.inject(request);
        if (answer.statusCode !== 400 || answer.json().code !== 'CONSISTENCY.INVALID_POSITION') t.fail(`${query} ${form} ${JSON.stringify(value)}: ${answer.statusCode} ${answer.body}`);
      }
    }
  }
  t.pass(`${queries.length} queries × ${malformed.length} malformed tokens × 2 forms answered 400`);
  const twice = await app.inject({ method: 'GET', url: `/v1/creators/${creator}?minPosition=${valid}&minPosition=${valid}` });
  t.equal(twice.json().code, 'CONSISTENCY.INVALID_POSITION', 'a repeated ?minPosition= is refused too');
});

t.test('with its LISTEN connection killed while it waits, a waiter is answered by the shared poll', async (t) => {
  const { app, database, token } = await testApp(t, { READ_YOUR_WRITES_TIMEOUT_MS: '20000', READ_YOUR_WRITES_POLL_MS: '100' });
  const creator = randomAccount();
  const headers = { authorization: `Bearer ${await token(creator, creator)}` };
  const first = await app.inject({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Lost' } });
  const waiting = app.inject({ method: 'GET', url: `/v1/creators/${creator}`, headers: { [MIN_POSITION_HEADER]: first.headers[POSITION_HEADER] as string } });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const killed = await sql<{ n: number }>`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
    where datname = current_database() and query ilike 'listen substream_checkpoint%'`.execute(database.db);
  t.equal(killed.rows[0]!.n, 1, 'the one LISTEN connection of the instance is killed: no announcement can reach the waiter');
  await catchUp(database.db, creatorsProjector);
  const projected = Date.now();
  const answer = await waiting;
  t.equal(answer.statusCode, 200, answer.body);
  t.match(answer.json(), { displayName: 'Lost' });
  t.ok(Date.now() - projected < 2_000, `answered ${Date.now() - projected} ms after the projector committed, long before the 20 s bound`);
  const next = await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers, payload: { tiers: [{ name: 'gold', token: randomContract(), price: { kind: 'rate', ratePerSecond: '5' } }] } });
  const again = app.inject({ method: 'GET', url: `/v1/creators/${creator}`, headers: { [MIN_POSITION_HEADER]: next.headers[POSITION_HEADER] as string } });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const listening = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
    where datname = current_database() and query ilike 'listen substream_checkpoint%'`.execute(database.db);
  t.equal(listening.rows[0]!.n, 1, 'the next wait listens again on a new connection');
  await catchUp(database.db, creatorsProjector);
  t.match((await again).json().tiers, [{ name: 'gold' }]);
});
