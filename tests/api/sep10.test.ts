import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Account, Keypair, MuxedAccount, Networks, Operation, Transaction, TransactionBuilder, WebAuth } from '@stellar/stellar-sdk';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import t from 'tap';
import { TEST_SEP10_KEYPAIR, testApp } from '../support/app.ts';

const ENDPOINT = 'http://localhost:3000/v1/auth';
const HOME = 'localhost:3000';

async function challenge(app: FastifyInstance, query: string): Promise<Transaction> {
  const response = await app.inject({ method: 'GET', url: `/v1/auth?${query}` });
  if (response.statusCode !== 200) throw new Error(`challenge: ${response.statusCode} ${response.body}`);
  const body = response.json();
  return new Transaction(body.transaction, body.network_passphrase);
}

function signed(tx: Transaction, ...signers: Keypair[]): string {
  tx.sign(...signers);
  return tx.toEnvelope().toXDR('base64');
}

async function redeem(app: FastifyInstance, transaction: string) {
  return app.inject({ method: 'POST', url: '/v1/auth', payload: { transaction } });
}

/** A local HTTP server answering `routes[path]` (a stellar.toml or a Horizon account). */
async function fakeServer(t: { teardown(fn: () => unknown): void }, routes: Record<string, { status: number; body: string }>): Promise<string> {
  const server: Server = createServer((request, response) => {
    const route = routes[request.url ?? ''] ?? { status: 404, body: '{}' };
    response.writeHead(route.status).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => (server.close(resolve), server.closeAllConnections())));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

t.test('stellar.toml publishes the network, the web auth endpoint and the signing key', async (t) => {
  const { app } = await testApp(t);
  const response = await app.inject({ method: 'GET', url: '/.well-known/stellar.toml' });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^text\/plain/);
  t.equal(response.headers['access-control-allow-origin'], '*');
  t.match(response.body, `NETWORK_PASSPHRASE = "${Networks.TESTNET}"`);
  t.match(response.body, `WEB_AUTH_ENDPOINT = "${ENDPOINT}"`);
  t.match(response.body, `SIGNING_KEY = "${TEST_SEP10_KEYPAIR.publicKey()}"`);
});

t.test('full round trip: challenge, client signature, token, authenticated call', async (t) => {
  const { app } = await testApp(t);
  const client = Keypair.random();
  const tx = await challenge(app, `account=${client.publicKey()}`);
  t.equal(tx.source, TEST_SEP10_KEYPAIR.publicKey(), 'the server account is the source');
  t.equal(tx.sequence, '0');
  t.equal(Number(tx.timeBounds!.maxTime) - Number(tx.timeBounds!.minTime), 900, '15-minute time bounds');
  const [auth, webAuth] = tx.operations;
  t.equal(auth?.type === 'manageData' && auth.name, `${HOME} auth`);
  t.equal(auth?.source, client.publicKey());
  t.equal(auth?.type === 'manageData' && Buffer.from(auth.value!).length, 64, '48 random bytes, base64');
  t.equal(webAuth?.type === 'manageData' && Buffer.from(webAuth.value!).toString(), HOME, 'web_auth_domain is the endpoint host');
  t.equal(webAuth?.source, TEST_SEP10_KEYPAIR.publicKey());
  t.ok(WebAuth.verifyTxSignedBy(tx, TEST_SEP10_KEYPAIR.publicKey()), 'signed by the server');

  const response = await redeem(app, signed(tx, client));
  t.equal(response.statusCode, 200, response.body);
  const { token } = response.json();
  const claims = decodeJwt(token);
  t.equal(claims.sub, client.publicKey());
  t.equal(claims.iss, ENDPOINT);
  t.equal(claims.exp! - claims.iat!, 86_400);

  const me = await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: { authorization: `Bearer ${token}` } });
  t.equal(me.statusCode, 200, me.body);
});

t.test('the signed challenge can be posted form-encoded', async (t) => {
  const { app } = await testApp(t);
  const client = Keypair.random();
  const transaction = signed(await challenge(app, `account=${client.publicKey()}`), client);
  const response = await app.inject({
    method: 'POST', url: '/v1/auth',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ transaction }).toString(),
  });
  t.equal(response.statusCode, 200, response.body);
  t.equal(decodeJwt(response.json().token).sub, client.publicKey());
});

t.test('memo and muxed accounts become the token subject', async (t) => {
  const { app } = await testApp(t);
  const client = Keypair.random();
  const withMemo = await challenge(app, `account=${client.publicKey()}&memo=1234`);
  t.equal(withMemo.memo.type, 'id');
  t.equal(decodeJwt((await redeem(app, signed(withMemo, client))).json().token).sub, `${client.publicKey()}:1234`);

  const muxed = new MuxedAccount(new Account(client.publicKey(), '0'), '42').accountId();
  const forMuxed = await challenge(app, `account=${muxed}`);
  t.equal(decodeJwt((await redeem(app, signed(forMuxed, client))).json().token).sub, muxed);
});

t.test('bad challenge requests are 400', async (t) => {
  const { app } = await testApp(t);
  const account = Keypair.random().publicKey();
  const cases = [
    ['', 'VALIDATION.FAILED'],
    ['account=GNOPE', 'AUTH.INVALID_ACCOUNT'],
    [`account=${account}&memo=abc`, 'AUTH.INVALID_MEMO'],
    [`account=${account}&home_domain=evil.example`, 'AUTH.UNSUPPORTED_HOME_DOMAIN'],
    [`account=${account}&client_domain=127.0.0.1:1`, 'AUTH.CLIENT_DOMAIN_FORBIDDEN'],
  ] as const;
  for (const [query, code] of cases) {
    const response = await app.inject({ method: 'GET', url: `/v1/auth?${query}` });
    t.equal(response.statusCode, 400, query);
    t.equal(response.json().code, code, query);
  }
});

t.test('every rejection is a 400 with its own code (SEP-10 §Token: invalid input)', async (t) => {
  const { app, database } = await testApp(t);
  const server = TEST_SEP10_KEYPAIR;
  const client = Keypair.random();
  const expect = async (name: string, transaction: string, code: string) => {
    const response = await redeem(app, transaction);
    t.equal(response.statusCode, 400, `${name}: ${response.body}`);
    t.equal(response.json().code, code, name);
  };

  const first = await challenge(app, `account=${client.publicKey()}`);
  const firstXdr = first.toEnvelope().toXDR('base64');
  await expect('unsigned by the client', firstXdr, 'AUTH.CHALLENGE_BAD_SIGNATURE');
  await expect('signed by someone else', signed(new Transaction(firstXdr, Networks.TESTNET), Keypair.random()), 'AUTH.CHALLENGE_BAD_SIGNATURE');
  const good = signed(new Transaction(firstXdr, Networks.TESTNET), client);
  t.equal((await redeem(app, good)).statusCode, 200, 'failed attempts do not burn the challenge');
  await expect('replayed', good, 'AUTH.CHALLENGE_REPLAYED');

  const otherNetwork = WebAuth.buildChallengeTx(server, client.publicKey(), HOME, 900, Networks.PUBLIC, HOME);
  await expect('another network', signed(new Transaction(otherNetwork, Networks.PUBLIC), client), 'AUTH.CHALLENGE_WRONG_NETWORK');

  const otherDomain = WebAuth.buildChallengeTx(server, client.publicKey(), 'evil.example', 900, Networks.TESTNET, HOME);
  await expect('another home domain', signed(new Transaction(otherDomain, Networks.TESTNET), client), 'AUTH.CHALLENGE_WRONG_HOME_DOMAIN');
  const otherWebAuth = WebAuth.buildChallengeTx(server, client.publicKey(), HOME, 900, Networks.TESTNET, 'evil.example');
  await expect('another web_auth_domain', signed(new Transaction(otherWebAuth, Networks.TESTNET), client), 'AUTH.CHALLENGE_WRONG_HOME_DOMAIN');

  const now = Math.floor(Date.now() / 1000);
  const stale = new TransactionBuilder(new Account(server.publicKey(), '-1'), { fee: '100', networkPassphrase: Networks.TESTNET, timebounds: { minTime: now - 2000, maxTime: now - 1100 } })
    .addOperation(Operation.manageData({ name: `${HOME} auth`, value: 'x'.repeat(64), source: client.publicKey() }))
    .addOperation(Operation.manageData({ name: 'web_auth_domain', value: HOME, source: server.publicKey() }))
    .build();
  await expect('time bounds passed', signed(stale, server, client), 'AUTH.CHALLENGE_EXPIRED');
  const recorded = await challenge(app, `account=${client.publicKey()}`);
  await database.db.updateTable('sep10_challenges').set({ expires_at: new Date(Date.now() - 1000) }).where('account', '=', client.publicKey()).where('consumed_at', 'is', null).execute();
  await expect('recorded as expired', signed(recorded, client), 'AUTH.CHALLENGE_EXPIRED');

  await expect('not a transaction', 'AAAA', 'AUTH.CHALLENGE_INVALID');
  const forged = WebAuth.buildChallengeTx(Keypair.random(), client.publicKey(), HOME, 900, Networks.TESTNET, HOME);
  await expect('another server', signed(new Transaction(forged, Networks.TESTNET), client), 'AUTH.CHALLENGE_INVALID');
  const neverIssued = WebAuth.buildChallengeTx(server, client.publicKey(), HOME, 900, Networks.TESTNET, HOME);
  await expect('never issued by this server', signed(new Transaction(neverIssued, Networks.TESTNET), client), 'AUTH.CHALLENGE_INVALID');
});

t.test('client_domain: the wallet domain\'s SIGNING_KEY must co-sign', async (t) => {
  const wallet = Keypair.random();
  const domain = await fakeServer(t, { '/.well-known/stellar.toml': { status: 200, body: `SIGNING_KEY = "${wallet.publicKey()}"\n` } });
  const { app } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const client = Keypair.random();
  const tx = await challenge(app, `account=${client.publicKey()}&client_domain=${domain}`);
  const op = tx.operations.find((o) => o.type === 'manageData' && o.name === 'client_domain');
  t.equal(op?.source, wallet.publicKey());
  const xdr = tx.toEnvelope().toXDR('base64');
  const without = await redeem(app, signed(new Transaction(xdr, Networks.TESTNET), client));
  t.equal(without.json().code, 'AUTH.CHALLENGE_BAD_SIGNATURE');
  const both = await redeem(app, signed(new Transaction(xdr, Networks.TESTNET), client, wallet));
  t.equal(both.statusCode, 200, both.body);
});

t.test('with HORIZON_URL, existing accounts must reach their medium threshold', async (t) => {
  const client = Keypair.random();
  const cosigner = Keypair.random();
  const horizon = await fakeServer(t, {
    [`/accounts/${client.publicKey()}`]: {
      status: 200,
      body: JSON.stringify({
        thresholds: { low_threshold: 0, med_threshold: 2, high_threshold: 3 },
        signers: [
          { key: cosigner.publicKey(), weight: 2, type: 'ed25519_public_key' },
          { key: client.publicKey(), weight: 1, type: 'ed25519_public_key' },
        ],
      }),
    },
  });
  const { app } = await testApp(t, { HORIZON_URL: `http://${horizon}` });
  const byMaster = await redeem(app, signed(await challenge(app, `account=${client.publicKey()}`), client));
  t.equal(byMaster.json().code, 'AUTH.CHALLENGE_BAD_SIGNATURE', 'the master key alone is below the threshold');
  const byCosigner = await redeem(app, signed(await challenge(app, `account=${client.publicKey()}`), cosigner));
  t.equal(byCosigner.statusCode, 200, byCosigner.body);
  t.equal(decodeJwt(byCosigner.json().token).sub, client.publicKey());

  const unfunded = Keypair.random();
  const fresh = await redeem(app, signed(await challenge(app, `account=${unfunded.publicKey()}`), unfunded));
  t.equal(fresh.statusCode, 200, 'an account not on the ledger signs with its master key');
});

t.test('HOME_DOMAIN and WEB_AUTH_ENDPOINT from config; the embedded default keeps its key in DATA_DIR', async (t) => {
  const dataDir = t.testdir();
  const env = { DATA_DIR: dataDir, SEP10_SIGNING_SECRET: '', HOME_DOMAIN: 'api.example.com', WEB_AUTH_ENDPOINT: 'https://auth.example.com/v1/auth' };
  const { app, database } = await testApp(t, env);
  const seed = readFileSync(join(dataDir, 'sep10-signing-secret'), 'utf8').trim();
  t.match(seed, /^S[A-Z2-7]{55}$/, 'a generated Stellar seed');
  const signingKey = Keypair.fromSecret(seed).publicKey();
  const toml = (await app.inject({ method: 'GET', url: '/.well-known/stellar.toml' })).body;
  t.match(toml, `SIGNING_KEY = "${signingKey}"`);
  t.match(toml, 'WEB_AUTH_ENDPOINT = "https://auth.example.com/v1/auth"');

  const client = Keypair.random();
  const tx = await challenge(app, `account=${client.publicKey()}&home_domain=api.example.com`);
  t.equal(tx.source, signingKey);
  t.equal(tx.operations[0]?.type === 'manageData' && tx.operations[0].name, 'api.example.com auth');
  t.equal(tx.operations[1]?.type === 'manageData' && Buffer.from(tx.operations[1].value!).toString(), 'auth.example.com');

  const restarted = await testApp(t, env, { database });
  const token = await redeem(restarted.app, signed(tx, client));
  t.equal(token.statusCode, 200, 'another start on the same DATA_DIR keeps the key');
  t.equal(decodeJwt(token.json().token).iss, 'https://auth.example.com/v1/auth');
});
