import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { decodePosition, MIN_POSITION_HEADER, POSITION_HEADER } from '../../api/consistency/position-token.ts';
import { READ_MODELS } from '../../projections/status.ts';
import { randomAccount, testApp, type TestApp } from '../support/app.ts';
import { runSlowProjectors } from '../support/read-your-writes.ts';
import { appendStreamFact, randomContract } from '../support/stream-events.ts';

/**
 * Read your writes, for every command → query pair of the API: with every projector running in
 * this process and slowed, the query sent right after the command without its token misses the
 * write (the control: the projector really is behind), and the same query with the command's
 * `Substream-Position` (as header, then as `?minPosition=`) shows it. The route table drives the
 * coverage: every event-sourced command and every query that declares `reads` has a pair here or
 * a stated reason why none can exist.
 */

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
const STREAM_CONTRACT = randomContract();
const DELAY_MS = 300;

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Request {
  method: Method;
  url: string;
  headers?: Record<string, string>;
  payload?: object;
}
type Response = LightMyRequestResponse;

interface Arranged {
  command: Request;
  query(commanded: Response): Request;
  /** Whether the query's answer shows the command's write. */
  sees(answer: Response): boolean;
}

interface Harness extends TestApp {
  as(sub: string, tenant?: string): Promise<Record<string, string>>;
  /** A registered creator with tiers bronze and gold. */
  creator(): Promise<{ address: string; headers: Record<string, string> }>;
  /** Waits until every read model has absorbed the whole log (arranging before the command under test). */
  settle(): Promise<void>;
  send(request: Request): Promise<Response>;
}

interface Pair {
  command: string;
  query: string;
  arrange(h: Harness): Promise<Arranged>;
}

const NOT_EVENT_SOURCED = 'not event-sourced: written to its own table in the request, read back at once';
/** Commands with no pair, and why. */
const NO_PAIR: Record<string, string> = {
  'POST /v1/auth': NOT_EVENT_SOURCED,
  'POST /v1/api-keys': NOT_EVENT_SOURCED,
  'DELETE /v1/api-keys/:id': NOT_EVENT_SOURCED,
  'PUT /v1/admin/config/flags/bulk': NOT_EVENT_SOURCED,
  'PUT /v1/admin/config/flags/:flagName': NOT_EVENT_SOURCED,
  'POST /v1/exports': NOT_EVENT_SOURCED,
  'POST /v1/reconciliation/runs': 'returns its whole report; its ReconciliationDiscrepancyFound events feed no read model',
  'POST /v1/webhook-endpoints': NOT_EVENT_SOURCED,
  'PATCH /v1/webhook-endpoints/:id': NOT_EVENT_SOURCED,
  'DELETE /v1/webhook-endpoints/:id': NOT_EVENT_SOURCED,
  'POST /v1/webhook-endpoints/:id/rotate-secret': NOT_EVENT_SOURCED,
  'POST /v1/webhook-endpoints/:id/deliveries/:deliveryId/retry': NOT_EVENT_SOURCED,
  'POST /v1/me/email': NOT_EVENT_SOURCED,
  'DELETE /v1/me/email': NOT_EVENT_SOURCED,
  'POST /v1/email/unsubscribe': NOT_EVENT_SOURCED,
  'POST /v1/webhooks/stripe': 'called by Stripe, not by a client that reads its own write (its facts reach the subscription read model like the chain\'s)',
  'POST /v1/streams': 'records an intent no read model shows until the chain reports StreamCreated (its token is checked below)',
};
/** Queries that declare `reads` but that no command of the API changes, and why. */
const NO_COMMAND: Record<string, string> = {
  'GET /v1/analytics/creators/me': 'counts active/trialing/grace/cancelled subscriptions and MRR: chain facts only',
  'GET /v1/analytics/creators/me/series': 'the same facts over time: chain facts only',
  'GET /v1/streams/stats': 'totals of chain amounts per token',
  'GET /v1/streams/search': 'matches chain streams by address or memo: a request changes none',
  'GET /v1/streams/:id/history': 'reads the event store itself (fresh by construction); only its visibility check reads the model',
  'GET /v1/subscriptions/:id/history': 'reads the event store itself (fresh by construction); only its visibility check reads the model',
  'GET /v1/creators/me/subscribers/diff': 'folds the log between two bounds itself (projections/as-of); only the subscriber list it starts from reads the model',
};

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const okWith = (answer: Response, marker: string) => answer.statusCode === 200 && answer.body.includes(marker);

async function chainStream(h: Harness) {
  const sender = randomAccount();
  const receiver = randomAccount();
  const streamId = String(Math.floor(Math.random() * 1e9));
  const start = Math.floor(Date.now() / 1000) - 100;
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  await appendStreamFact(h.app.services.eventStore, 'StreamCreated', {
    contractId: STREAM_CONTRACT, streamId, sender, receiver, token: randomContract(), totalAmount: '1000000',
    startAt: iso(start), cliffAt: null, endAt: iso(start + 1000), memo: 'ryw', createdAt: iso(start),
  }, receiver);
  await h.settle();
  return { id: `${STREAM_CONTRACT}-${streamId}`, sender: await h.as(sender), receiver: await h.as(receiver) };
}

async function invoiceLink(h: Harness) {
  const { address, headers } = await h.creator();
  const created = await h.send({ method: 'POST', url: '/v1/invoice-links', headers, payload: { receiver: address, tokenAddress: TOKEN, amount: '100', duration: 60 } });
  await h.settle();
  return { link: created.json() as { id: string; slug: string }, headers };
}

async function content(h: Harness) {
  const creator = await h.creator();
  const created = await h.send({ method: 'POST', url: '/v1/content', headers: creator.headers, payload: { title: 'Ep', minTier: 'bronze', url: 'https://cdn.example.com/ep' } });
  await h.settle();
  return { ...creator, contentId: (created.json() as { contentId: string }).contentId };
}

async function subscription(h: Harness) {
  const creator = await h.creator();
  const headers = await h.as(randomAccount());
  const subscribed = await h.send({ method: 'POST', url: '/v1/subscriptions', headers, payload: { creator: creator.address, tier: 'bronze' } });
  await h.settle();
  return { headers, subscribed };
}

const subscribe = async (h: Harness) => {
  const creator = await h.creator();
  const subscriber = randomAccount();
  return { creator, subscriber, command: { method: 'POST', url: '/v1/subscriptions', headers: await h.as(subscriber), payload: { creator: creator.address, tier: 'bronze' } } as Request };
};

const PAIRS: Pair[] = [
  {
    command: 'POST /v1/creators', query: 'GET /v1/me/data',
    arrange: async (h) => {
      const address = randomAccount();
      const headers = await h.as(address, address);
      return {
        command: { method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Exported' } },
        query: () => ({ method: 'GET', url: '/v1/me/data', headers }),
        sees: (answer) => okWith(answer, '"Exported"'),
      };
    },
  },
  {
    command: 'POST /v1/me/erase', query: 'GET /v1/creators/:address',
    arrange: async (h) => {
      const { address, headers } = await h.creator();
      await h.settle();
      return {
        command: { method: 'POST', url: '/v1/me/erase', headers, payload: { confirm: address } },
        query: () => ({ method: 'GET', url: `/v1/creators/${address}` }),
        sees: (answer) => okWith(answer, '"[erased]"'),
      };
    },
  },
  {
    command: 'POST /v1/creators', query: 'GET /v1/creators/:address',
    arrange: async (h) => {
      const address = randomAccount();
      return {
        command: { method: 'POST', url: '/v1/creators', headers: await h.as(address, address), payload: { displayName: 'Ada' } },
        query: () => ({ method: 'GET', url: `/v1/creators/${address}` }),
        sees: (answer) => okWith(answer, '"Ada"'),
      };
    },
  },
  {
    command: 'PUT /v1/creators/me/tiers', query: 'GET /v1/creators/:address',
    arrange: async (h) => {
      const address = randomAccount();
      const headers = await h.as(address, address);
      await h.send({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Bo' } });
      await h.settle();
      return {
        command: { method: 'PUT', url: '/v1/creators/me/tiers', headers, payload: { tiers: [{ name: 'silver', token: TOKEN, price: { kind: 'rate', ratePerSecond: '3' } }] } },
        query: () => ({ method: 'GET', url: `/v1/creators/${address}` }),
        sees: (answer) => okWith(answer, '"silver"'),
      };
    },
  },
  {
    command: 'POST /v1/subscriptions', query: 'GET /v1/subscriptions/:id',
    arrange: async (h) => {
      const { subscriber, command } = await subscribe(h);
      return { command, query: (r) => ({ method: 'GET', url: `/v1/subscriptions/${r.json().subscriptionId}`, headers: command.headers! }), sees: (answer) => okWith(answer, subscriber) };
    },
  },
  {
    command: 'POST /v1/subscriptions', query: 'GET /v1/me/subscriptions',
    arrange: async (h) => {
      const { creator, command } = await subscribe(h);
      return { command, query: () => ({ method: 'GET', url: '/v1/me/subscriptions', headers: command.headers! }), sees: (answer) => okWith(answer, creator.address) };
    },
  },
  {
    command: 'POST /v1/subscriptions', query: 'GET /v1/creators/me/subscribers',
    arrange: async (h) => {
      const { creator, subscriber, command } = await subscribe(h);
      return { command, query: () => ({ method: 'GET', url: '/v1/creators/me/subscribers', headers: creator.headers }), sees: (answer) => okWith(answer, subscriber) };
    },
  },
  {
    command: 'POST /v1/subscriptions/:id/cancel', query: 'GET /v1/subscriptions/:id',
    arrange: async (h) => {
      const { headers, subscribed } = await subscription(h);
      const id = subscribed.json().subscriptionId as string;
      return {
        command: { method: 'POST', url: `/v1/subscriptions/${id}/cancel`, headers },
        query: () => ({ method: 'GET', url: `/v1/subscriptions/${id}`, headers }),
        sees: (answer) => answer.statusCode === 200 && answer.json().status === 'cancelled',
      };
    },
  },
  {
    command: 'POST /v1/streams/:id/withdraw', query: 'GET /v1/streams/:id',
    arrange: async (h) => {
      const { id, receiver } = await chainStream(h);
      return {
        command: { method: 'POST', url: `/v1/streams/${id}/withdraw`, headers: receiver, payload: { amount: '1000' } },
        query: () => ({ method: 'GET', url: `/v1/streams/${id}`, headers: receiver }),
        sees: (answer) => answer.statusCode === 200 && answer.json().pendingWithdrawal !== null,
      };
    },
  },
  {
    command: 'POST /v1/streams/:id/cancel', query: 'GET /v1/streams/:id',
    arrange: async (h) => {
      const { id, sender } = await chainStream(h);
      return {
        command: { method: 'POST', url: `/v1/streams/${id}/cancel`, headers: sender },
        query: () => ({ method: 'GET', url: `/v1/streams/${id}`, headers: sender }),
        sees: (answer) => answer.statusCode === 200 && answer.json().cancelRequestedAt !== null,
      };
    },
  },
  {
    command: 'POST /v1/streams/:id/cancel', query: 'GET /v1/streams',
    arrange: async (h) => {
      const { id, sender } = await chainStream(h);
      return {
        command: { method: 'POST', url: `/v1/streams/${id}/cancel`, headers: sender },
        query: () => ({ method: 'GET', url: '/v1/streams', headers: sender }),
        sees: (answer) => answer.statusCode === 200 && answer.json().items.some((s: { id: string; cancelRequestedAt: string | null }) => s.id === id && s.cancelRequestedAt !== null),
      };
    },
  },
  {
    command: 'POST /v1/invoice-links', query: 'GET /v1/invoice-links/:slug',
    arrange: async (h) => {
      const { address, headers } = await h.creator();
      return {
        command: { method: 'POST', url: '/v1/invoice-links', headers, payload: { receiver: address, tokenAddress: TOKEN, amount: '100', duration: 60 } },
        query: (r) => ({ method: 'GET', url: `/v1/invoice-links/${r.json().slug}` }),
        sees: (answer) => answer.statusCode === 200,
      };
    },
  },
  {
    command: 'POST /v1/invoice-links', query: 'GET /v1/invoice-links',
    arrange: async (h) => {
      const { address, headers } = await h.creator();
      let id = '';
      return {
        command: { method: 'POST', url: '/v1/invoice-links', headers, payload: { receiver: address, tokenAddress: TOKEN, amount: '100', duration: 60 } },
        query: (r) => ((id = r.json().id), { method: 'GET', url: '/v1/invoice-links', headers }),
        sees: (answer) => okWith(answer, id),
      };
    },
  },
  {
    command: 'PATCH /v1/invoice-links/:id/status', query: 'GET /v1/invoice-links/:slug',
    arrange: async (h) => {
      const { link } = await invoiceLink(h);
      return {
        command: { method: 'PATCH', url: `/v1/invoice-links/${link.id}/status`, headers: await h.as(randomAccount()), payload: { status: 'SIGNED', txHash: 'ab'.repeat(32) } },
        query: () => ({ method: 'GET', url: `/v1/invoice-links/${link.slug}` }),
        sees: (answer) => answer.statusCode === 200 && answer.json().status === 'SIGNED',
      };
    },
  },
  {
    command: 'DELETE /v1/invoice-links/:id', query: 'GET /v1/invoice-links/:slug',
    arrange: async (h) => {
      const { link, headers } = await invoiceLink(h);
      return {
        command: { method: 'DELETE', url: `/v1/invoice-links/${link.id}`, headers },
        query: () => ({ method: 'GET', url: `/v1/invoice-links/${link.slug}` }),
        sees: (answer) => answer.statusCode === 404,
      };
    },
  },
  {
    command: 'POST /v1/content', query: 'GET /v1/content/:id/access',
    arrange: async (h) => {
      const { headers } = await h.creator();
      return {
        command: { method: 'POST', url: '/v1/content', headers, payload: { title: 'New', minTier: 'gold', url: 'https://cdn.example.com/new' } },
        query: (r) => ({ method: 'GET', url: `/v1/content/${r.json().contentId}/access` }),
        sees: (answer) => answer.statusCode === 200,
      };
    },
  },
  {
    command: 'POST /v1/content', query: 'GET /v1/creators/:address/content',
    arrange: async (h) => {
      const { address, headers } = await h.creator();
      let id = '';
      return {
        command: { method: 'POST', url: '/v1/content', headers, payload: { title: 'Listed', minTier: 'gold', url: 'https://cdn.example.com/listed' } },
        query: (r) => ((id = r.json().contentId), { method: 'GET', url: `/v1/creators/${address}/content` }),
        sees: (answer) => okWith(answer, id),
      };
    },
  },
  {
    command: 'PUT /v1/content/:id', query: 'GET /v1/content/:id/access',
    arrange: async (h) => {
      const { headers, contentId } = await content(h);
      return {
        command: { method: 'PUT', url: `/v1/content/${contentId}`, headers, payload: { title: 'Ep', minTier: 'gold', url: 'https://cdn.example.com/ep' } },
        query: () => ({ method: 'GET', url: `/v1/content/${contentId}/access` }),
        sees: (answer) => answer.statusCode === 200 && answer.json().tier === 'gold',
      };
    },
  },
  {
    command: 'DELETE /v1/content/:id', query: 'GET /v1/content/:id/access',
    arrange: async (h) => {
      const { headers, contentId } = await content(h);
      return {
        command: { method: 'DELETE', url: `/v1/content/${contentId}`, headers },
        // The creator: anonymous callers cannot tell a deleted item from none (404).
        query: () => ({ method: 'GET', url: `/v1/content/${contentId}/access`, headers }),
        sees: (answer) => answer.statusCode === 410,
      };
    },
  },
  {
    command: 'POST /v1/analytics/view-events', query: 'GET /v1/analytics/heatmap/:contentId',
    arrange: async (h) => {
      const { headers } = await h.creator();
      const event = { contentId: 'ryw-episode', positionSeconds: 12, watchedSeconds: 3, at: new Date().toISOString() };
      return {
        command: { method: 'POST', url: '/v1/analytics/view-events', headers, payload: { events: [event] } },
        query: () => ({ method: 'GET', url: '/v1/analytics/heatmap/ryw-episode', headers }),
        sees: (answer) => answer.statusCode === 200 && answer.json().buckets.length > 0,
      };
    },
  },
];

const withMinPosition = (request: Request, token: string): Request => ({
  ...request,
  url: `${request.url}${request.url.includes('?') ? '&' : '?'}minPosition=${token}`,
});

t.test('create-then-get sees the write with the token, for every command → query pair', async (t) => {
  const harness = await testApp(t, { STELLARSTREAM_CONTRACT_ID: STREAM_CONTRACT, RATE_LIMIT_PER_MINUTE: '100000', READ_YOUR_WRITES_TIMEOUT_MS: '5000' });
  const { app, database } = harness;
  const stop = runSlowProjectors(database.db, DELAY_MS);
  t.teardown(stop);
  const send = (request: Request) => app.inject(request);
  const as = async (sub: string, tenant?: string) => ({ authorization: `Bearer ${await harness.token(sub, tenant)}` });
  const h: Harness = {
    ...harness, as, send,
    async creator() {
      const address = randomAccount();
      const headers = await as(address, address);
      await send({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Creator' } });
      await send({
        method: 'PUT', url: '/v1/creators/me/tiers', headers,
        payload: { tiers: [{ name: 'bronze', token: TOKEN, price: { kind: 'rate', ratePerSecond: '5' } }, { name: 'gold', token: TOKEN, price: { kind: 'rate', ratePerSecond: '9' } }] },
      });
      return { address, headers };
    },
    async settle() {
      const { rows } = await sql<{ commit: string; prepare: string }>`select transaction_id::text as commit, global_position::text as prepare
        from events order by transaction_id desc, global_position desc limit 1`.execute(database.db);
      if (!rows[0]) return;
      const behind = await app.checkpointWatch.waitPast(READ_MODELS, { commit: BigInt(rows[0].commit), prepare: BigInt(rows[0].prepare) }, 20_000);
      if (behind.length > 0) throw new Error(`read models still behind: ${JSON.stringify(behind)}`);
    },
  };

  const commands = app.routeTable.filter((r) => WRITES.has(r.method) && r.url.startsWith('/v1/')).map((r) => `${r.method} ${r.url}`);
  const queries = app.routeTable.filter((r) => r.policy.reads).map((r) => `${r.method} ${r.url}`);
  t.same(commands.filter((c) => !NO_PAIR[c] && !PAIRS.some((p) => p.command === c)), [], 'every event-sourced command has a pair');
  t.same(queries.filter((q) => !NO_COMMAND[q] && !PAIRS.some((p) => p.query === q)), [], 'every query that declares reads has a pair');
  t.same(PAIRS.filter((p) => !commands.includes(p.command) || !queries.includes(p.query)).map((p) => `${p.command} → ${p.query}`), [], 'every pair names real routes');

  for (const pair of PAIRS) {
    await t.test(`${pair.command} → ${pair.query}`, async (t) => {
      const { command, query, sees } = await pair.arrange(h);
      const commanded = await send(command);
      t.ok(commanded.statusCode < 300, `the command succeeds (${commanded.statusCode} ${commanded.body.slice(0, 200)})`);
      const token = commanded.headers[POSITION_HEADER] as string;
      t.match(token, /^[0-9a-f]{32}$/, 'the command answers with its Substream-Position');
      const request = query(commanded);
      t.notOk(sees(await send(request)), 'without the token the write is not visible yet (the projector is slowed)');
      const started = Date.now();
      const answer = await send({ ...request, headers: { ...request.headers, [MIN_POSITION_HEADER]: token } });
      t.ok(sees(answer), `with the header, the query shows the write (${answer.statusCode} after ${Date.now() - started} ms)`);
      t.ok(sees(await send(withMinPosition(request, token))), 'with ?minPosition= too');
    });
  }

  await t.test('POST /v1/streams (an intent no model shows) carries its token too', async (t) => {
    const body = { receiver: randomAccount(), token: randomContract(), amount: '1000', start: 1_800_000_000, end: 1_800_001_000 };
    const opened = await send({ method: 'POST', url: '/v1/streams', headers: await as(randomAccount()), payload: body });
    t.equal(opened.statusCode, 202, opened.body);
    const position = decodePosition(opened.headers[POSITION_HEADER] as string);
    const { rows } = await sql<{ commit: string; prepare: string }>`select transaction_id::text as commit, global_position::text as prepare
      from events where type = 'StreamCreationRequested' and stream_id = ${`stream-request-${opened.json().requestId}`}`.execute(database.db);
    t.same(position, { commit: BigInt(rows[0]!.commit), prepare: BigInt(rows[0]!.prepare) }, 'the token is the position its event committed at');
  });

  await t.test('a replay under the same Idempotency-Key answers with a token at or past the first', async (t) => {
    const address = randomAccount();
    const headers = { ...(await as(address, address)), 'idempotency-key': 'ryw-replay' };
    const first = await send({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Once' } });
    const again = await send({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Once' } });
    t.equal(again.headers['idempotent-replayed'], 'true');
    const [a, b] = [first, again].map((r) => r.headers[POSITION_HEADER] as string);
    t.match(b, /^[0-9a-f]{32}$/, 'the replay carries a token');
    t.ok(b! >= a!, `the replay's token (${b}) is not before the first's (${a})`);
    t.match((await send({ method: 'GET', url: `/v1/creators/${address}`, headers: { [MIN_POSITION_HEADER]: b! } })).json(), { displayName: 'Once' });
  });
  await stop();
});
