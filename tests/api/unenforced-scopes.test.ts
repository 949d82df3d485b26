import { randomUUID } from 'node:crypto';
import t from 'tap';
import { randomAccount, TEST_CONTRACT_ID, testApp } from '../support/app.ts';

/**
 * Issue #13.1: the stream and invoice-link routes authenticated but checked no scope, so a key
 * made for analytics could list every stream of its tenant and file intents. Every one of them
 * must answer 403 AUTH.SCOPE_MISSING to a key holding only analytics:read.
 */
t.test('an analytics:read key is refused by every stream and invoice-link route', async (t) => {
  const { app, token } = await testApp(t);
  const creator = randomAccount();
  const created = await app.inject({
    method: 'POST', url: '/v1/api-keys', headers: { authorization: `Bearer ${await token(creator, creator)}` },
    payload: { name: 'analytics only', scopes: ['analytics:read'] },
  });
  t.equal(created.statusCode, 201, created.body);
  const headers = { 'x-api-key': created.json().key as string };
  const stream = `${TEST_CONTRACT_ID}-1`;
  const now = Math.floor(Date.now() / 1000);
  const requests = [
    { method: 'GET', url: '/v1/streams', scope: 'streams:read' },
    { method: 'GET', url: '/v1/streams/stats', scope: 'streams:read' },
    { method: 'GET', url: '/v1/streams/search?q=G', scope: 'streams:read' },
    { method: 'GET', url: `/v1/streams/${stream}`, scope: 'streams:read' },
    { method: 'GET', url: `/v1/streams/${stream}/history`, scope: 'streams:read' },
    { method: 'POST', url: '/v1/streams', payload: { receiver: randomAccount(), token: TEST_CONTRACT_ID, amount: '600', start: now + 60, end: now + 660 }, scope: 'streams:write' },
    { method: 'POST', url: `/v1/streams/${stream}/withdraw`, payload: {}, scope: 'streams:write' },
    { method: 'POST', url: `/v1/streams/${stream}/cancel`, scope: 'streams:write' },
    { method: 'GET', url: '/v1/invoice-links', scope: 'invoice-links:read' },
    { method: 'POST', url: '/v1/invoice-links', payload: { receiver: randomAccount(), tokenAddress: TEST_CONTRACT_ID, amount: '100', duration: 60 }, scope: 'invoice-links:write' },
    { method: 'PATCH', url: `/v1/invoice-links/${randomUUID()}/status`, payload: { status: 'SIGNED', txHash: 'a'.repeat(64) }, scope: 'invoice-links:write' },
    { method: 'DELETE', url: `/v1/invoice-links/${randomUUID()}`, scope: 'invoice-links:write' },
  ] as const;
  for (const { scope, ...request } of requests) {
    const response = await app.inject({ ...request, headers });
    t.equal(response.statusCode, 403, `${request.method} ${request.url}: ${response.body}`);
    t.same(response.json().details, { scope }, `${request.method} ${request.url} names the scope it needs`);
  }
});
