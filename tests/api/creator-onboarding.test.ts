import { Keypair } from '@stellar/stellar-sdk';
import { decodeJwt } from 'jose';
import t from 'tap';
import { TEST_CONTRACT_ID, testApp } from '../support/app.ts';
import { listen } from '../support/listening-app.ts';
import { connectLive } from '../support/live-client.ts';
import { sep10Login } from '../support/sep10-login.ts';

/**
 * Issue #13.3: a wallet principal is the tenant of itself. From a fresh keypair, with no operator
 * step: SEP-10 login, register as a creator, set tiers, publish, manage keys, flags and the live
 * feed; then another wallet, also signed in by SEP-10, subscribes.
 */
t.test('a creator onboards itself from a fresh keypair and another wallet subscribes', async (t) => {
  const { app } = await testApp(t);
  const creatorKeys = Keypair.random();
  const creator = creatorKeys.publicKey();
  const token = await sep10Login(app, creatorKeys);
  t.notOk('tenant' in decodeJwt(token), 'SEP-10 login mints no tenant claim: the wallet is its own tenant');
  const headers = { authorization: `Bearer ${token}` };

  const registered = await app.inject({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Self-made' } });
  t.equal(registered.statusCode, 201, registered.body);
  t.equal(registered.json().creator, creator);
  const tiers = await app.inject({
    method: 'PUT', url: '/v1/creators/me/tiers', headers,
    payload: { tiers: [{ name: 'gold', token: TEST_CONTRACT_ID, price: { kind: 'rate', ratePerSecond: '10' } }] },
  });
  t.equal(tiers.statusCode, 200, tiers.body);
  t.same(tiers.json(), { creator, revision: 1 });

  const published = await app.inject({ method: 'POST', url: '/v1/content', headers, payload: { title: 'Ep 1', minTier: 'gold', url: 'https://cdn.example.com/1' } });
  t.equal(published.statusCode, 201, published.body);
  t.equal(published.json().creator, creator);
  const key = await app.inject({ method: 'POST', url: '/v1/api-keys', headers, payload: { name: 'ci', scopes: ['analytics:read'] } });
  t.equal(key.statusCode, 201, key.body);
  const keys = await app.inject({ method: 'GET', url: '/v1/api-keys', headers });
  t.same(keys.json().items.map((k: { id: string }) => k.id), [key.json().id], 'its own keys');
  const flag = await app.inject({ method: 'PUT', url: '/v1/admin/config/flags/beta', headers, payload: { enabled: true } });
  t.equal(flag.statusCode, 200, flag.body);
  const flags = await app.inject({ method: 'GET', url: '/v1/config/flags', headers });
  t.equal(flags.json().flags.beta.enabled, true);
  const subscribers = await app.inject({ method: 'GET', url: '/v1/creators/me/subscribers', headers });
  t.equal(subscribers.statusCode, 200, subscribers.body);

  const live = await connectLive((await listen(app)).replace('http', 'ws'), token);
  t.equal((await live.next((m) => m.type === 'ready')).type, 'ready', 'its live feed opens');
  live.close();

  const fan = Keypair.random();
  const fanHeaders = { authorization: `Bearer ${await sep10Login(app, fan)}` };
  const subscribed = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: fanHeaders, payload: { creator, tier: 'gold' } });
  t.equal(subscribed.statusCode, 202, subscribed.body);
  t.equal(subscribed.json().subscriptionId, `${fan.publicKey()}-${creator}`);
});
