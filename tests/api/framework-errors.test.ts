import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';

/**
 * Regression cases the contract fuzzer (contract-fuzz.test.ts) found: errors raised by the
 * framework before any route runs (URL decoding, router limits, the JSON parser) answered in
 * Fastify's own shape or as a 500. Each must be a 4xx in the one error shape.
 */
const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

t.test('a broken percent-escape in the path is 400 REQUEST.BAD_URL in the one error shape', async (t) => {
  const { app } = await testApp(t);
  for (const url of ['/v1/subscriptions/%', '/v1/creators/%E0%A4%A', '/v1/content/%C0%AF/access', '/v1/streams/%zz/history', '/v1/invoice-links/%FF']) {
    const response = await app.inject({ method: 'GET', url });
    t.equal(response.statusCode, 400, url);
    t.same(Object.keys(response.json()).sort(), ['code', 'message', 'requestId'], url);
    t.match(response.json(), { code: 'REQUEST.BAD_URL', message: String, requestId: String }, url);
    t.equal(response.headers['x-request-id'], response.json().requestId, 'the request id is echoed');
  }
});

t.test('a path parameter or URL past the limits is 414 REQUEST.URL_TOO_LONG', async (t) => {
  const { app } = await testApp(t);
  for (const url of [`/v1/subscriptions/${'a'.repeat(3_000)}`, `/v1/content/x${'%41'.repeat(3_000)}/access`, `/v1/creators/${randomAccount()}/content?cursor=${'a'.repeat(9_000)}`]) {
    const response = await app.inject({ method: 'GET', url });
    t.equal(response.statusCode, 414, url.slice(0, 40));
    t.match(response.json(), { code: 'REQUEST.URL_TOO_LONG', message: String, requestId: String });
  }
});

t.test('a JSON body nested deeper than 64 levels is 400 REQUEST.BODY_TOO_DEEP, before any route or idempotency check', async (t) => {
  const harness = await testApp(t);
  const creator = randomAccount();
  const headers = { authorization: `Bearer ${await harness.token(creator, creator)}`, 'content-type': 'application/json' };
  const wallet = { authorization: `Bearer ${await harness.token(randomAccount())}`, 'content-type': 'application/json; charset=utf-8' };
  const cases = [
    // Found by the fuzzer as 500s: the idempotency fingerprint of a body no schema reads overflowed the stack.
    { method: 'POST', url: '/v1/subscriptions//cancel', headers: { ...wallet, 'idempotency-key': '/=' }, payload: deepObject(5_000) },
    { method: 'DELETE', url: '/v1/content/ffffffff-ffff-ffff-ffff-ffffffffffff', headers: { ...headers, 'idempotency-key': '<C8/=a%bX]' }, payload: deepObject(5_000) },
    { method: 'POST', url: '/v1/content', headers, payload: deepArray(65) },
    { method: 'PUT', url: '/v1/admin/config/flags/deep', headers, payload: `{"enabled":true,"value":${deepArray(100_000)}}` },
  ] as const;
  for (const request of cases) {
    const response = await harness.app.inject(request);
    t.equal(response.statusCode, 400, `${request.method} ${request.url}`);
    t.match(response.json(), { code: 'REQUEST.BODY_TOO_DEEP', message: /64/, requestId: String });
  }
  const [count] = await harness.database.db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).execute();
  t.equal(Number(count!.n), 0, 'nothing was stored');
  const shallow = await harness.app.inject({ method: 'PUT', url: '/v1/admin/config/flags/deep', headers, payload: `{"enabled":true,"value":${deepArray(60)}}` });
  t.not(shallow.json().code, 'REQUEST.BODY_TOO_DEEP', 'depth 64 is accepted by the parser');
});
