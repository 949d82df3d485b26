import type { LookupAddress } from 'node:dns';
import fc from 'fast-check';
import t from 'tap';
import { guardedGet, OutboundError, type OutboundPolicy, type Resolve } from '../../../platform/outbound/guarded-get.ts';
import { walletDomain } from '../../support/wallet-domain.ts';

const STRICT: OutboundPolicy = { allowPrivate: false, timeoutMs: 1_000, maxBytes: 10_000 };
const DEV: OutboundPolicy = { ...STRICT, allowPrivate: true };

async function refusal(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OutboundError) return error;
    throw error;
  }
  throw new Error('the request was not refused');
}

const answering = (...answers: string[][]) => {
  const calls: string[] = [];
  const resolve: Resolve = async (hostname) => {
    calls.push(hostname);
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    return answer.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, calls };
};

t.test('the address is checked after DNS: a name resolving to a private address is refused before connecting', async (t) => {
  const server = await walletDomain(t, { toml: 'x' });
  const port = server.domain.split(':')[1];
  for (const answer of [['127.0.0.1'], ['8.8.8.8', '127.0.0.1'], ['::ffff:127.0.0.1'], ['169.254.169.254'], ['fd00::1']]) {
    const { resolve } = answering(answer);
    const error = await refusal(guardedGet(new URL(`https://wallet.test:${port}/`), STRICT, { resolve }));
    t.equal(error.reason, 'forbidden-address', answer.join(','));
  }
  t.equal(server.connections(), 0);
});

t.test('DNS rebinding: the socket connects to the one checked answer, DNS is asked once', async (t) => {
  const server = await walletDomain(t, { handler: (request, response) => response.end(request.headers.host) });
  const port = server.domain.split(':')[1];
  const { resolve, calls } = answering(['127.0.0.1'], ['10.0.0.1']);
  const { status, body } = await guardedGet(new URL(`http://rebind.test:${port}/`), DEV, { resolve });
  t.equal(status, 200);
  t.equal(body, `rebind.test:${port}`, 'the server at the checked address answered');
  t.same(calls, ['rebind.test'], 'one resolution only');

  const strict = answering(['8.8.8.8'], ['127.0.0.1']);
  const error = await refusal(guardedGet(new URL(`http://rebind.test:${port}/`), STRICT, { resolve: strict.resolve }));
  t.equal(error.reason, 'scheme', 'plain http is refused outright in production');
});

t.test('IP literals are checked without DNS; http, credentials and redirects are refused', async (t) => {
  const server = await walletDomain(t, { handler: (_request, response) => response.writeHead(301, { location: '/x' }).end() });
  const port = server.domain.split(':')[1];
  for (const url of [`https://127.0.0.1:${port}/`, `https://[::1]:${port}/`, `https://[::ffff:127.0.0.1]:${port}/`, `https://[::ffff:7f00:1]:${port}/`, 'https://169.254.169.254/latest/meta-data']) {
    t.equal((await refusal(guardedGet(new URL(url), STRICT))).reason, 'forbidden-address', url);
  }
  t.equal((await refusal(guardedGet(new URL('http://93.184.215.14/'), STRICT))).reason, 'scheme');
  t.equal((await refusal(guardedGet(new URL('https://u:p@93.184.215.14/'), STRICT))).reason, 'scheme');
  t.equal(server.connections(), 0);
  t.equal((await refusal(guardedGet(new URL(`http://127.0.0.1:${port}/`), DEV))).reason, 'redirect');
});

t.test('a body over the cap and a stalled body end the request', async (t) => {
  const big = await walletDomain(t, { handler: (_request, response) => response.end('x'.repeat(20_000)) });
  t.equal((await refusal(guardedGet(new URL(`http://${big.domain}/`), DEV))).reason, 'too-large');
  const chunked = await walletDomain(t, { handler: (_request, response) => { for (let i = 0; i < 30; i++) response.write('x'.repeat(1_000)); response.end(); } });
  t.equal((await refusal(guardedGet(new URL(`http://${chunked.domain}/`), DEV))).reason, 'too-large', 'without a content-length too');
  const stalled = await walletDomain(t, { handler: (_request, response) => response.writeHead(200).write('SIGNING_KEY') });
  const started = performance.now();
  t.equal((await refusal(guardedGet(new URL(`http://${stalled.domain}/`), { ...DEV, timeoutMs: 200 }))).reason, 'timeout');
  t.ok(performance.now() - started < 1_000, 'the deadline covers the body');
});

t.test('property: whatever non-public answers DNS gives, no connection is made', async (t) => {
  const server = await walletDomain(t, { toml: 'x' });
  const port = server.domain.split(':')[1];
  const nonPublic = fc.oneof(
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `127.${a}.${b}.${c}`),
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `10.${a}.${b}.${c}`),
    fc.tuple(fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `172.${a}.${b}.${c}`),
    fc.tuple(fc.integer({ min: 64, max: 127 }), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `100.${a}.${b}.${c}`),
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => `::ffff:${o.join('.')}`),
    fc.nat(0xffff).map((n) => `fe80::${n.toString(16)}`),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(nonPublic, { minLength: 1, maxLength: 3 }), fc.domain(), async (answer, hostname) => {
      const { resolve } = answering(['8.8.8.8', ...answer]);
      const error = await refusal(guardedGet(new URL(`https://${hostname}:${port}/`), STRICT, { resolve }));
      return error.reason === 'forbidden-address';
    }),
    { numRuns: 200 },
  );
  t.equal(server.connections(), 0);
});
