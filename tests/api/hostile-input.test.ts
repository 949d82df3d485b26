import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';

/** Input that passes the routes' shapes but that PostgreSQL or JSON cannot take: 4xx, never a 500. */
t.test('NUL characters, lone surrogates and impossible cursor times are 4xx in the one error shape', async (t) => {
  const harness = await testApp(t);
  const { app } = harness;
  const wallet = randomAccount();
  const walletAuth = { authorization: `Bearer ${await harness.token(wallet)}` };
  const creator = randomAccount();
  const creatorAuth = { authorization: `Bearer ${await harness.token(creator, creator)}` };

  for (const url of ['/v1/subscriptions/%00', '/v1/subscriptions/a%00b', `/v1/creators/me/subscribers?status=active&cursor=%00`, '/v1/streams/search?q=a%00']) {
    const response = await app.inject({ method: 'GET', url, headers: url.includes('subscribers') ? creatorAuth : walletAuth });
    t.equal(response.statusCode, 400, url);
    t.match(response.json(), { code: 'VALIDATION.FAILED', message: /NUL/, requestId: String }, url);
  }

  const cursorOf = (k: string) => Buffer.from(JSON.stringify({ k })).toString('base64url');
  const impossible = [`2026-99-99T99:99:99.999Z|${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`, `0000-01-01T00:00:00.000Z|${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`];
  for (const k of impossible) {
    const response = await app.inject({ method: 'GET', url: `/v1/creators/${creator}/content?cursor=${cursorOf(k)}` });
    t.equal(response.statusCode, 422, k);
    t.equal(response.json().code, 'PAGINATION.INVALID_CURSOR');
  }
  const nulCursor = await app.inject({ method: 'GET', url: `/v1/creators/me/subscribers?cursor=${cursorOf('a\u0000b')}`, headers: creatorAuth });
  t.equal(nulCursor.statusCode, 422, 'a cursor that decodes to a NUL is refused as a cursor');
  t.equal(nulCursor.json().code, 'PAGINATION.INVALID_CURSOR');

  await app.inject({ method: 'POST', url: '/v1/creators', headers: creatorAuth, payload: { displayName: 'C' } });
  const tiers = await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: creatorAuth,
    payload: { tiers: [{ name: 'gold', token: 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA', price: { kind: 'rate', ratePerSecond: '10' } }] } });
  t.equal(tiers.statusCode, 200, tiers.body);
  for (const payload of [{ title: 'x\ud800y', minTier: 'gold', url: 'https://cdn.example.com/a' }, { title: 'ok', minTier: 'gold', url: 'https://cdn.example.com/\ud800' }]) {
    const response = await app.inject({ method: 'POST', url: '/v1/content', headers: creatorAuth, payload });
    t.equal(response.statusCode, 400, 'a lone surrogate cannot be stored as JSON');
    t.equal(response.json().code, 'VALIDATION.FAILED');
  }
  const views = await app.inject({ method: 'POST', url: '/v1/analytics/view-events', headers: creatorAuth,
    payload: { events: [{ contentId: 'ep-1', viewer: 'v\ud800', positionSeconds: 1, watchedSeconds: 1, at: '2026-11-01T00:00:00Z' }] } });
  t.equal(views.statusCode, 400);
  t.equal(views.json().code, 'VALIDATION.FAILED');
});
