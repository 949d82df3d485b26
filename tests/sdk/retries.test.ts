import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { SubstreamApiError, SubstreamClient } from '../../sdk/src/index.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { listen } from '../support/listening-app.ts';
import { randomContract } from '../support/stream-events.ts';

interface Attempt {
  method: string;
  url: string;
  key: string | undefined;
  at: number;
  replayed?: string | null;
}

/** What the proxy does with the n-th request (0-based): pass it on, pass it on and then drop the connection, or answer itself. */
type Plan = (n: number) => 'forward' | 'forward-then-drop' | { status: number; headers?: Record<string, string>; body: string };

/** A local HTTP proxy in front of the real server that follows `plan` and records every attempt. */
async function proxy(t: { teardown(fn: () => unknown): void }, target: string, plan: Plan) {
  const attempts: Attempt[] = [];
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const key = request.headers['idempotency-key'] as string | undefined;
    const attempt: Attempt = { method: request.method!, url: request.url!, key, at: performance.now() };
    attempts.push(attempt);
    const step = plan(attempts.length - 1);
    if (typeof step === 'object') return response.writeHead(step.status, step.headers).end(step.body);
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>;
    const upstream = await fetch(`${target}${request.url}`, { method: request.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    const body = await upstream.text();
    attempt.replayed = upstream.headers.get('idempotent-replayed');
    if (step === 'forward-then-drop') return request.socket.destroy(); // the server did the work; the client never hears
    response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => (server.close(resolve), server.closeAllConnections())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, attempts };
}

async function setup(t: Parameters<typeof testApp>[0], plan: Plan, retries: ConstructorParameters<typeof SubstreamClient>[0]['retries'] = { baseDelayMs: 10 }) {
  const harness = await testApp(t);
  const through = await proxy(t, await listen(harness.app), plan);
  const creator = randomAccount();
  const client = new SubstreamClient({ baseUrl: through.url, token: await harness.token(creator), retries });
  const link = { receiver: creator, amount: 10n, tokenAddress: randomContract(), duration: 60 };
  const created = async () =>
    harness.database.db.selectFrom('events').select('stream_id').where('type', '=', 'InvoiceLinkCreated').execute();
  return { ...harness, client, attempts: through.attempts, link, created };
}

t.test('a dropped connection after the server did the work: the retry reuses the Idempotency-Key and gets the stored answer', async (t) => {
  const { client, attempts, link, created } = await setup(t, (n) => (n === 0 ? 'forward-then-drop' : 'forward'));
  const result = await client.createInvoiceLink(link);
  t.equal(attempts.length, 2, 'one retry');
  t.match(attempts[0]!.key, /^[0-9a-f-]{36}$/, 'a generated key');
  t.equal(attempts[1]!.key, attempts[0]!.key, 'the same key on the retry');
  t.equal(attempts[0]!.replayed, null);
  t.equal(attempts[1]!.replayed, 'true', 'the server replayed the first answer');
  const rows = await created();
  t.same(rows.map((r) => r.stream_id), [`invoice-link-${result.id}`], 'one link created, not two');
});

t.test('503 with Retry-After is honoured, with the same key; reads retry 429 without a key', async (t) => {
  const unavailable = { status: 503, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"code":"UNAVAILABLE","message":"draining"}' };
  const limited = { status: 429, headers: { 'retry-after': '0' }, body: '{"code":"RATE_LIMIT.EXCEEDED","message":"slow down"}' };
  const { client, attempts } = await setup(t, (n) => (n === 0 ? unavailable : n === 2 ? limited : 'forward'));
  const link = await client.createInvoiceLink({ receiver: randomAccount(), amount: '10', tokenAddress: randomContract(), duration: 60 });
  t.equal(link.status, 'DRAFT');
  t.equal(attempts.length, 2);
  t.equal(attempts[1]!.key, attempts[0]!.key);
  t.ok(attempts[1]!.at - attempts[0]!.at >= 950, `waited Retry-After (${Math.round(attempts[1]!.at - attempts[0]!.at)} ms)`);

  t.same(await client.listInvoiceLinks(), { items: [], nextCursor: null }, 'the retried read answered (nothing projected yet)');
  t.equal(attempts.length, 4, 'the 429 read was retried');
  t.equal(attempts[2]!.key, undefined, 'reads carry no Idempotency-Key');
});

t.test('bounded attempts: persistent 5xx ends in a typed error; 4xx is never retried', async (t) => {
  let answer: { status: number; body: string } = { status: 502, body: '<html>Bad Gateway</html>' };
  const { client, attempts } = await setup(t, () => answer, { max: 3, baseDelayMs: 5 });
  const error = await client.cancelStream(`${randomContract()}-1`).then(() => null, (e: unknown) => e);
  t.ok(error instanceof SubstreamApiError);
  t.match(error, { status: 502, code: 'HTTP.502', message: '<html>Bad Gateway</html>' }, 'a non-JSON body still gives a typed error');
  t.equal(attempts.length, 4, 'one attempt and max = 3 retries');
  t.equal(new Set(attempts.map((a) => a.key)).size, 1, 'every attempt with the same key');

  attempts.length = 0;
  answer = { status: 422, body: '{"code":"STREAM.FORBIDDEN","message":"no","requestId":"r-1"}' };
  const refused = await client.cancelStream(`${randomContract()}-1`).then(() => null, (e: unknown) => e);
  t.match(refused, { status: 422, code: 'STREAM.FORBIDDEN', requestId: 'r-1' });
  t.equal(attempts.length, 1, 'a 4xx is final');
});

t.test('a caller-given key is sent as is; the SEP-10 token exchange (no key) is not retried on 5xx', async (t) => {
  let down = false;
  const { client, attempts, link, created } = await setup(t, () => (down ? { status: 503, body: '{"code":"X","message":"down"}' } : 'forward'));
  const first = await client.createInvoiceLink(link, { idempotencyKey: 'order-42' });
  const again = await client.createInvoiceLink(link, { idempotencyKey: 'order-42' });
  t.same(attempts.map((a) => a.key), ['order-42', 'order-42']);
  t.equal(again.id, first.id, 'the same key returns the first result');
  t.equal((await created()).length, 1);

  attempts.length = 0;
  down = true;
  const error = await client.submitChallenge('AAAA').then(() => null, (e: unknown) => e);
  t.match(error, { status: 503 });
  t.equal(attempts.length, 1, 'not retried: redeeming a challenge twice would fail');
  t.equal(attempts[0]!.key, undefined);
});

t.test('an answer the server replays for the key is final, even a 500: another attempt would replay it again', async (t) => {
  const stored = { status: 500, headers: { 'idempotent-replayed': 'true', 'content-type': 'application/json' }, body: '{"code":"INTERNAL","message":"internal error","requestId":"r-9"}' };
  const fresh = { status: 500, headers: { 'content-type': 'application/json' }, body: '{"code":"INTERNAL","message":"internal error","requestId":"r-8"}' };
  let answer: { status: number; headers: Record<string, string>; body: string } = stored;
  const { client, attempts, link } = await setup(t, () => answer, { max: 3, baseDelayMs: 5 });
  const error = await client.createInvoiceLink(link).then(() => null, (e: unknown) => e);
  t.match(error, { status: 500, code: 'INTERNAL', requestId: 'r-9' });
  t.equal(attempts.length, 1, 'not retried');

  attempts.length = 0;
  answer = fresh;
  await client.createInvoiceLink(link).then(() => null, (e: unknown) => e);
  t.equal(attempts.length, 4, 'a 500 that is not a replay is retried, with the same key');
  t.equal(new Set(attempts.map((a) => a.key)).size, 1);
});
