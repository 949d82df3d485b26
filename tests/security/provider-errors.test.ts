import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
// Found by the attacker review: an upstream client's error (Stripe's) carried its own HTTP status
// to our client, with its message (the platform key's tail). Only the framework's own 4xx pass through.
t.test('a Stripe API error is 502 PAYMENTS.PROVIDER_ERROR, never Stripe\'s status or message', async (t) => {
  // What api.stripe.com answers when STRIPE_SECRET_KEY is revoked/rotated.
  const server = createServer((req, res) => {
    req.resume();
    res.statusCode = 401;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_live_****************************Ab12' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(() => r(undefined))));
  const harness = await testApp(t, { STRIPE_SECRET_KEY: 'sk_test_standin123', STRIPE_API_BASE: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, STRIPE_SUCCESS_URL: 'https://a.example/ok', STRIPE_CANCEL_URL: 'https://a.example/no' });
  const creator = randomAccount();
  const cauth = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  await harness.app.inject({ method: 'POST', url: '/v1/creators', headers: cauth, payload: { displayName: 'x' } });
  await harness.app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: cauth, payload: { tiers: [{ name: 'gold', token: TOKEN, price: { kind: 'rate', ratePerSecond: '50' }, card: { currency: 'EUR', amount: '900' } }] } });
  const r = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { authorization: `Bearer ${await harness.token(randomAccount())}` }, payload: { creator, tier: 'gold', rail: 'card' } });
  t.equal(r.statusCode, 502, 'a provider failure is a bad gateway');
  t.equal(r.json().code, 'PAYMENTS.PROVIDER_ERROR');
  t.notOk(r.statusCode === 401 || r.body.includes('sk_live'), 'the platform\'s Stripe failure is not the client\'s 401, and never names the key');
});

// Found by the attacker review: a card price Stripe refuses (an unknown currency, more than its
// 8-digit maximum) stopped the catalogue sync for every creator. The tier is refused instead.
t.test('card prices outside what Stripe accepts are refused when the tiers are set', async (t) => {
  const { app, token } = await testApp(t);
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await token(creator, creator)}` };
  await app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: 'x' } });
  const set = (card: { currency: string; amount: string }) =>
    app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: auth, payload: { tiers: [{ name: 'gold', token: TOKEN, price: { kind: 'rate', ratePerSecond: '50' }, card }] } });
  for (const card of [{ currency: 'ZZZ', amount: '900' }, { currency: 'EUR', amount: '100000000' }, { currency: 'XTS', amount: '900' }]) {
    const answer = await set(card);
    t.equal(answer.statusCode, 400, `${card.currency} ${card.amount}: refused`);
    t.equal(answer.json().code, 'VALIDATION.FAILED');
  }
  t.equal((await set({ currency: 'eur', amount: '99999999' })).statusCode, 200, 'a known currency up to 99,999,999 minor units is accepted');
});
