import { Account, Keypair, MuxedAccount, Networks, Operation, Transaction, TransactionBuilder, WebAuth } from '@stellar/stellar-sdk';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { parse as parseToml } from 'smol-toml';
import t, { type Test } from 'tap';
import { TEST_SEP10_KEYPAIR, testApp } from '../support/app.ts';
import { walletDomain } from '../support/wallet-domain.ts';

/**
 * SEP-1 and SEP-10 (stellar-protocol ecosystem/sep-0001.md, sep-0010.md v3.4.1) requirement by
 * requirement; each test names the section it checks.
 */

const HOME = 'localhost:3000';
const ENDPOINT = `http://${HOME}/v1/auth`;

async function challenge(app: FastifyInstance, query: string): Promise<Transaction> {
  const response = await app.inject({ method: 'GET', url: `/v1/auth?${query}` });
  if (response.statusCode !== 200) throw new Error(`challenge: ${response.statusCode} ${response.body}`);
  return new Transaction(response.json().transaction, Networks.TESTNET);
}

const xdrOf = (tx: Transaction) => tx.toEnvelope().toXDR('base64');
function signed(xdr: string, ...signers: Keypair[]): string {
  const tx = new Transaction(xdr, Networks.TESTNET);
  tx.sign(...signers);
  return xdrOf(tx);
}
const redeem = (app: FastifyInstance, transaction: string) => app.inject({ method: 'POST', url: '/v1/auth', payload: { transaction } });

t.test('SEP-1 §Organization Documentation: stellar.toml has a [DOCUMENTATION] table (ORG_NAME, ORG_URL, ORG_DESCRIPTION) from config', async (t) => {
  const byDefault = await testApp(t);
  const toml = parseToml((await byDefault.app.inject({ method: 'GET', url: '/.well-known/stellar.toml' })).body) as Record<string, Record<string, unknown>>;
  t.match(toml.DOCUMENTATION, { ORG_NAME: String, ORG_URL: String, ORG_DESCRIPTION: String }, 'defaults');

  const configured = await testApp(t, { ORG_NAME: 'Acme "Streams"', ORG_URL: 'https://acme.example', ORG_DESCRIPTION: 'Pay per second', ORG_OFFICIAL_EMAIL: 'ops@acme.example', ORG_SUPPORT_EMAIL: 'help@acme.example' }, { database: byDefault.database });
  const parsed = parseToml((await configured.app.inject({ method: 'GET', url: '/.well-known/stellar.toml' })).body) as Record<string, Record<string, unknown>>;
  t.same(parsed.DOCUMENTATION, { ORG_NAME: 'Acme "Streams"', ORG_URL: 'https://acme.example', ORG_DESCRIPTION: 'Pay per second', ORG_OFFICIAL_EMAIL: 'ops@acme.example', ORG_SUPPORT_EMAIL: 'help@acme.example' });
});

t.test('SEP-1 §Specification: stellar.toml is valid TOML, text/plain, under 100 KB, with Access-Control-Allow-Origin: * (preflight too)', async (t) => {
  const { app } = await testApp(t);
  const response = await app.inject({ method: 'GET', url: '/.well-known/stellar.toml' });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^text\/plain/);
  t.equal(response.headers['access-control-allow-origin'], '*');
  t.ok(response.rawPayload.length < 100_000);
  t.match(parseToml(response.body), { NETWORK_PASSPHRASE: Networks.TESTNET, WEB_AUTH_ENDPOINT: ENDPOINT, SIGNING_KEY: TEST_SEP10_KEYPAIR.publicKey() });
  const preflight = await app.inject({ method: 'OPTIONS', url: '/.well-known/stellar.toml', headers: { origin: 'https://wallet.example', 'access-control-request-method': 'GET' } });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], '*');
});

t.test('SEP-10 §Token: every rejected challenge is 400 (invalid input), each with its own code', async (t) => {
  const { app, database } = await testApp(t);
  const server = TEST_SEP10_KEYPAIR;
  const client = Keypair.random();
  const fresh = async () => xdrOf(await challenge(app, `account=${client.publicKey()}`));
  const cases: [string, () => Promise<string>, string][] = [
    ['not signed by the client', fresh, 'AUTH.CHALLENGE_BAD_SIGNATURE'],
    ['signed by another key only', async () => signed(await fresh(), Keypair.random()), 'AUTH.CHALLENGE_BAD_SIGNATURE'],
    ['an extra signature besides the client', async () => signed(await fresh(), client, Keypair.random()), 'AUTH.CHALLENGE_BAD_SIGNATURE'],
    ['the client signing twice', async () => signed(signed(await fresh(), client), client), 'AUTH.CHALLENGE_BAD_SIGNATURE'],
    ['not signed by SIGNING_KEY', async () => {
      const tx = new Transaction(await fresh(), Networks.TESTNET);
      tx.signatures.splice(0);
      tx.sign(client);
      return xdrOf(tx);
    }, 'AUTH.CHALLENGE_INVALID'],
    ['issued by another server', async () => signed(WebAuth.buildChallengeTx(Keypair.random(), client.publicKey(), HOME, 900, Networks.TESTNET, HOME), client), 'AUTH.CHALLENGE_INVALID'],
    ['not XDR', async () => 'AAAA', 'AUTH.CHALLENGE_INVALID'],
    ['not base64', async () => '!!!', 'AUTH.CHALLENGE_INVALID'],
    ['another network', async () => {
      const tx = new Transaction(WebAuth.buildChallengeTx(server, client.publicKey(), HOME, 900, Networks.PUBLIC, HOME), Networks.PUBLIC);
      tx.sign(client);
      return xdrOf(tx);
    }, 'AUTH.CHALLENGE_WRONG_NETWORK'],
    ['another home domain', async () => signed(WebAuth.buildChallengeTx(server, client.publicKey(), 'evil.example', 900, Networks.TESTNET, HOME), client), 'AUTH.CHALLENGE_WRONG_HOME_DOMAIN'],
    ['a sequence number other than 0', async () => {
      const now = Math.floor(Date.now() / 1000);
      const tx = new TransactionBuilder(new Account(server.publicKey(), '41'), { fee: '100', networkPassphrase: Networks.TESTNET, timebounds: { minTime: now, maxTime: now + 900 } })
        .addOperation(Operation.manageData({ name: `${HOME} auth`, value: 'x'.repeat(64), source: client.publicKey() }))
        .addOperation(Operation.manageData({ name: 'web_auth_domain', value: HOME, source: server.publicKey() }))
        .build();
      tx.sign(server, client);
      return xdrOf(tx);
    }, 'AUTH.CHALLENGE_INVALID'],
    ['expired', async () => {
      const xdr = await fresh();
      await database.db.updateTable('sep10_challenges').set({ expires_at: new Date(Date.now() - 1000) }).where('consumed_at', 'is', null).execute();
      return signed(xdr, client);
    }, 'AUTH.CHALLENGE_EXPIRED'],
  ];
  for (const [name, make, code] of cases) {
    const response = await redeem(app, await make());
    t.equal(response.statusCode, 400, `${name}: ${response.body}`);
    t.equal(response.json().code, code, name);
  }
  const good = signed(await fresh(), client);
  t.equal((await redeem(app, good)).statusCode, 200);
  const replayed = await redeem(app, good);
  t.equal(replayed.statusCode, 400, 'SEP-10 §Token: no more than one JWT for a challenge');
  t.equal(replayed.json().code, 'AUTH.CHALLENGE_REPLAYED');
});

t.test('SEP-10 §Token: a client_domain challenge without the client domain account\'s signature is 400', async (t) => {
  const wallet = Keypair.random();
  const domain = await walletDomain(t, { toml: `SIGNING_KEY = "${wallet.publicKey()}"\n` });
  const { app } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const client = Keypair.random();
  const response = await redeem(app, signed(xdrOf(await challenge(app, `account=${client.publicKey()}&client_domain=${domain.domain}`)), client));
  t.equal(response.statusCode, 400, response.body);
  t.equal(response.json().code, 'AUTH.CHALLENGE_BAD_SIGNATURE');
});

function isAuthError(t: Test, response: LightMyRequestResponse, name: string): void {
  t.ok(response.statusCode >= 400, `${name}: an error (${response.statusCode})`);
  const body = response.json();
  t.type(body.error, 'string', `${name}: "error" string`);
  t.equal(body.error, body.message, `${name}: "error" says what "message" says`);
  t.match(body, { code: String, message: String, requestId: String }, `${name}: still the one error shape`);
  t.equal(response.headers['access-control-allow-origin'], '*', `${name}: CORS on the error`);
}

t.test('SEP-10 §Challenge/§Token (Error) and §Cross-Origin Headers: every auth error has an "error" string and Access-Control-Allow-Origin: *', async (t) => {
  const { app } = await testApp(t);
  const account = Keypair.random().publicKey();
  const errors: [string, () => Promise<LightMyRequestResponse>][] = [
    ['GET without account (schema)', () => app.inject({ method: 'GET', url: '/v1/auth' })],
    ['GET with a bad account', () => app.inject({ method: 'GET', url: '/v1/auth?account=GNOPE' })],
    ['GET with a bad memo', () => app.inject({ method: 'GET', url: `/v1/auth?account=${account}&memo=x` })],
    ['GET with a bad client_domain', () => app.inject({ method: 'GET', url: `/v1/auth?account=${account}&client_domain=a/b` })],
    ['GET with another home_domain', () => app.inject({ method: 'GET', url: `/v1/auth?account=${account}&home_domain=evil.example` })],
    ['POST without body', () => app.inject({ method: 'POST', url: '/v1/auth' })],
    ['POST without transaction (schema)', () => app.inject({ method: 'POST', url: '/v1/auth', payload: {} })],
    ['POST form-encoded junk', () => app.inject({ method: 'POST', url: '/v1/auth', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'transaction=AAAA' })],
    ['POST malformed JSON', () => app.inject({ method: 'POST', url: '/v1/auth', headers: { 'content-type': 'application/json' }, payload: '{' })],
  ];
  for (const [name, send] of errors) isAuthError(t, await send(), name);

  const client = Keypair.random();
  const ok = await app.inject({ method: 'GET', url: `/v1/auth?account=${client.publicKey()}` });
  t.equal(ok.headers['access-control-allow-origin'], '*', 'GET 200');
  const token = await redeem(app, signed(ok.json().transaction, client));
  t.equal(token.headers['access-control-allow-origin'], '*', 'POST 200');
  t.equal(token.json().error, undefined, 'no "error" on success');

  const preflight = await app.inject({
    method: 'OPTIONS', url: '/v1/auth',
    headers: { origin: 'https://wallet.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], '*');
  t.match(preflight.headers['access-control-allow-methods'], /GET/);
  t.match(preflight.headers['access-control-allow-methods'], /POST/);
  t.match(String(preflight.headers['access-control-allow-headers']).toLowerCase(), /content-type/);
  t.match(String(preflight.headers['access-control-allow-headers']).toLowerCase(), /authorization/);
});

t.test('SEP-10 §Token claims: iss, sub, iat, exp and jti (the challenge hash); client_domain only when it was verified', async (t) => {
  const wallet = Keypair.random();
  const domain = await walletDomain(t, { toml: `SIGNING_KEY = "${wallet.publicKey()}"\n` });
  const { app } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const client = Keypair.random();

  const plain = await challenge(app, `account=${client.publicKey()}`);
  const claims = decodeJwt((await redeem(app, signed(xdrOf(plain), client))).json().token);
  t.equal(claims.iss, ENDPOINT);
  t.equal(claims.sub, client.publicKey());
  t.type(claims.iat, 'number');
  t.equal(claims.exp! - claims.iat!, 86_400);
  t.equal(claims.jti, Buffer.from(plain.hash()).toString('hex'));
  t.notOk('client_domain' in claims, 'no client_domain claim without client_domain');

  const attributed = await challenge(app, `account=${client.publicKey()}&client_domain=${domain.domain}`);
  const response = await redeem(app, signed(xdrOf(attributed), client, wallet));
  t.equal(response.statusCode, 200, response.body);
  const withDomain = decodeJwt(response.json().token);
  t.equal(withDomain.client_domain, domain.domain);
  t.equal(withDomain.sub, client.publicKey());
  const me = await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization: `Bearer ${response.json().token}` } });
  t.equal(me.statusCode, 200, 'the token works like any other');
});

t.test('SEP-10 §Token sub: G… for an account, G…:memo with a memo, M… for a muxed account (§Memos, §Muxed Accounts)', async (t) => {
  const { app } = await testApp(t);
  const client = Keypair.random();
  const muxed = new MuxedAccount(new Account(client.publicKey(), '0'), '42').accountId();
  for (const [query, sub] of [[`account=${client.publicKey()}`, client.publicKey()], [`account=${client.publicKey()}&memo=18446744073709551615`, `${client.publicKey()}:18446744073709551615`], [`account=${muxed}`, muxed]]) {
    const token = (await redeem(app, signed(xdrOf(await challenge(app, query!)), client))).json().token;
    t.equal(decodeJwt(token).sub, sub);
  }
  const both = await app.inject({ method: 'GET', url: `/v1/auth?account=${muxed}&memo=1` });
  t.equal(both.statusCode, 400, 'a memo with a muxed account is refused');
});
