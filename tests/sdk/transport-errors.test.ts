import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { SubstreamApiError } from '../../sdk/src/index.ts';
import { createTransport, type Call } from '../../sdk/src/transport.ts';

/** How the local server fails a request. */
const failures = {
  'connection refused': null,
  'connection dropped before any answer': (_req: IncomingMessage, res: ServerResponse) => res.socket?.destroy(),
  'body cut short': (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"items":');
    setTimeout(() => res.socket?.destroy(), 10);
  },
  '200 with an HTML page': (_req: IncomingMessage, res: ServerResponse) =>
    res.writeHead(200, { 'content-type': 'text/html', 'x-request-id': 'req-html' }).end('<html>gateway</html>'),
  '200 with truncated JSON': (_req: IncomingMessage, res: ServerResponse) =>
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-json' }).end('{"items": ['),
} as const;

const expected: Record<keyof typeof failures, { code: string; status: number; retried: boolean }> = {
  'connection refused': { code: 'NETWORK.ERROR', status: 0, retried: true },
  'connection dropped before any answer': { code: 'NETWORK.ERROR', status: 0, retried: true },
  'body cut short': { code: 'NETWORK.ERROR', status: 0, retried: true },
  '200 with an HTML page': { code: 'RESPONSE.INVALID', status: 200, retried: false },
  '200 with truncated JSON': { code: 'RESPONSE.INVALID', status: 200, retried: false },
};

const calls: [string, Call, boolean][] = [
  ['a read', { method: 'GET', path: 'v1/streams' }, true],
  ['a keyed write', { method: 'POST', path: 'v1/invoice-links', body: { amount: '1' }, idempotent: true }, true],
  ['an unkeyed write', { method: 'POST', path: 'v1/auth/token', body: { transaction: 'AAAA' } }, false],
];

/** A local HTTP server failing every request as `fail` does (or a closed port), counting requests. */
async function server(t: { teardown(fn: () => unknown): void }, fail: ((req: IncomingMessage, res: ServerResponse) => void) | null) {
  const seen = { requests: 0 };
  const http = createServer((req, res) => (seen.requests++, fail!(req, res)));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  // With no way to fail, the port is closed at once: connections are refused.
  if (fail === null) await new Promise((resolve) => http.close(resolve));
  else t.teardown(() => (http.close(), http.closeAllConnections()));
  return { url, seen };
}

for (const [failure, fail] of Object.entries(failures) as [keyof typeof failures, (typeof failures)[keyof typeof failures]][]) {
  for (const [what, call, safe] of calls) {
    t.test(`${what}, ${failure}: rejects with SubstreamApiError ${expected[failure].code}`, async (t) => {
      const { url, seen } = await server(t, fail);
      const send = createTransport({ baseUrl: url, retries: { max: 2, baseDelayMs: 1 } });
      const error = await send(call).then(() => undefined, (e: unknown) => e);
      t.ok(error instanceof SubstreamApiError, `a SubstreamApiError, not ${(error as Error)?.name}: ${(error as Error)?.message}`);
      if (!(error instanceof SubstreamApiError)) return;
      t.match(error, { code: expected[failure].code, status: expected[failure].status });
      t.ok(error.message.length > 0, 'it says what happened');
      if (expected[failure].code === 'NETWORK.ERROR') t.ok(error.cause, 'the underlying error is its cause');
      if (failure === '200 with an HTML page') t.equal(error.requestId, 'req-html', 'the request id of the answer is kept');
      if (fail !== null) t.equal(seen.requests, expected[failure].retried && safe ? 3 : 1, 'retried only when safe and worth it');
    });
  }
}

t.test('an abort still rejects with the signal reason, not a NETWORK.ERROR', async (t) => {
  const { url } = await server(t, (_req, res) => setTimeout(() => res.end('{}'), 5_000));
  const send = createTransport({ baseUrl: url });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('caller gave up')), 50);
  await t.rejects(send({ method: 'GET', path: 'v1/streams' }, { signal: controller.signal }), { message: 'caller gave up' });
});
