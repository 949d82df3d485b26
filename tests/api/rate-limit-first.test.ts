import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Keypair } from '@stellar/stellar-sdk';
import t from 'tap';
import { generateApiKey } from '../../api/auth/api-keys.ts';
import { randomAccount, testApp } from '../support/app.ts';

/** Counts the API key lookups (HMAC + SELECT) the app makes. */
function countLookups(app: FastifyInstance): { count: number } {
  const counter = { count: 0 };
  const resolve = app.apiKeys.resolve.bind(app.apiKeys);
  app.apiKeys.resolve = async (key) => {
    counter.count += 1;
    return resolve(key);
  };
  return counter;
}

/** A well-formed JWT signed with a key the server does not know. */
const forgedJwt = () => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: randomAccount(), exp: Math.floor(Date.now() / 1000) + 600 })}.${randomBytes(32).toString('base64url')}`;
};

/** Authenticated routes of different resources, every one a place a flood could aim at. */
const ROUTES = [
  { method: 'GET', url: '/v1/me/subscriptions' },
  { method: 'GET', url: '/v1/api-keys' },
  { method: 'GET', url: '/v1/streams' },
  { method: 'POST', url: '/v1/creators' },
  { method: 'GET', url: '/v1/analytics/creators/me' },
] as const;

const CREDENTIALS = {
  'bogus sk_ key as Bearer': () => ({ authorization: `Bearer ${generateApiKey(false).key}` }),
  'bogus sk_ key as X-API-Key': () => ({ 'x-api-key': generateApiKey(false).key }),
  'forged JWT': () => ({ authorization: `Bearer ${forgedJwt()}` }),
};

t.test('every route × every bogus credential: 429 past the client IP budget, before any key lookup', async (t) => {
  // One app; each case is another client (X-Forwarded-For through a trusted proxy), so has a fresh budget.
  const { app } = await testApp(t, { RATE_LIMIT_PER_MINUTE: '4', TRUST_PROXY: 'true' });
  const lookups = countLookups(app);
  let client = 0;
  for (const route of ROUTES) {
    for (const [name, credential] of Object.entries(CREDENTIALS)) {
      client += 1;
      lookups.count = 0;
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1) {
        const headers = { ...credential(), 'x-forwarded-for': `192.0.2.${client}` };
        statuses.push((await app.inject({ ...route, headers, ...(route.method === 'POST' ? { payload: {} } : {}) })).statusCode);
      }
      const at = `${route.method} ${route.url}, ${name}`;
      t.same(statuses.slice(0, 4), [401, 401, 401, 401], `${at}: within the budget, refused credentials`);
      t.same(statuses.slice(4), Array(8).fill(429), `${at}: past it, 429`);
      t.ok(lookups.count <= 4, `${at}: ${lookups.count} API key lookups (at most one per request within the budget)`);
    }
  }
});

t.test('a known API key keeps its own bucket while its IP is flooded with bogus keys', async (t) => {
  const { app, token } = await testApp(t, { RATE_LIMIT_PER_MINUTE: '3' });
  const creator = randomAccount();
  const created = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: `Bearer ${await token(creator, creator)}` }, payload: { name: 'k', scopes: ['subscriptions:read'] } });
  const key = created.json().key as string;
  t.equal((await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { 'x-api-key': key } })).statusCode, 200, 'first use');
  for (let i = 0; i < 5; i += 1) await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { 'x-api-key': generateApiKey(false).key } });
  const after = await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { 'x-api-key': key } });
  t.equal(after.statusCode, 200, 'the IP bucket is spent, the key\'s is not');
  t.equal(after.headers['ratelimit-remaining'], '2', 'counted on the key (3 a minute; its first use, never seen before, counted on the IP)');
});

t.test('TRUST_PROXY: behind a load balancer clients are told apart by X-Forwarded-For; without it the header is ignored', async (t) => {
  const flood = async (app: FastifyInstance, client: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await app.inject({ method: 'GET', url: '/.well-known/stellar.toml', headers: { 'x-forwarded-for': client } })).statusCode);
    return statuses;
  };
  const proxied = await testApp(t, { RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'true' });
  t.same(await flood(proxied.app, '203.0.113.1'), [200, 200, 429]);
  t.same(await flood(proxied.app, '203.0.113.2'), [200, 200, 429], 'another client behind the same proxy has its own bucket');

  const hops = await testApp(t, { RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: '127.0.0.1/8' });
  t.same(await flood(hops.app, '203.0.113.3'), [200, 200, 429], 'a trusted proxy address range');
  t.same(await flood(hops.app, '203.0.113.4'), [200, 200, 429]);

  const direct = await testApp(t, { RATE_LIMIT_PER_MINUTE: '2' });
  t.same(await flood(direct.app, '203.0.113.5'), [200, 200, 429]);
  t.same(await flood(direct.app, '203.0.113.6'), [429, 429, 429], 'unset: a spoofed X-Forwarded-For buys no fresh bucket');
});

t.test('SEP-10 challenges have their own budget per IP and per account', async (t) => {
  const { app } = await testApp(t, { SEP10_CHALLENGES_PER_MINUTE_IP: '5', SEP10_CHALLENGES_PER_MINUTE_ACCOUNT: '2', TRUST_PROXY: 'true' });
  const challenge = (account: string, ip: string) => app.inject({ method: 'GET', url: `/v1/auth?account=${account}`, headers: { 'x-forwarded-for': ip } });
  const alice = Keypair.random().publicKey();
  t.same([await challenge(alice, '198.51.100.1'), await challenge(alice, '198.51.100.2'), await challenge(alice, '198.51.100.3')].map((r) => r.statusCode), [200, 200, 429], 'one account: 2 a minute, whatever the IP');
  const limited = await challenge(alice, '198.51.100.4');
  t.equal(limited.json().code, 'RATE_LIMIT.EXCEEDED');
  const statuses: number[] = [];
  for (let i = 0; i < 6; i += 1) statuses.push((await challenge(Keypair.random().publicKey(), '198.51.100.9')).statusCode);
  t.same(statuses, [200, 200, 200, 200, 200, 429], 'one IP: 5 a minute, whatever the account');
  t.equal((await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { 'x-forwarded-for': '198.51.100.9' } })).statusCode, 401, 'the challenge budget is not the general one');
});
