import { randomInt } from 'node:crypto';
import { Account, Keypair, MuxedAccount, Networks, Transaction, TransactionBuilder } from '@stellar/stellar-sdk';
import { SigningKeypair, Wallet, type WalletSigner } from '@stellar/typescript-wallet-sdk';
import { decodeJwt } from 'jose';
import t, { type Test } from 'tap';
import { testApp } from '../support/app.ts';
import { walletDomain } from '../support/wallet-domain.ts';

/**
 * A real wallet against a real listening server: SDF's @stellar/typescript-wallet-sdk discovers
 * stellar.toml (SEP-1), runs SEP-10 and the token then works on the API.
 *
 * The server listens on port 80 of a random 127.x.y.z address: the wallet SDK checks
 * `web_auth_domain` against the endpoint's host name without its port, stellar-anchor-tests
 * against the host with its port; on the scheme's default port both agree. Binding port 80 needs
 * root or CAP_NET_BIND_SERVICE; without it the test is skipped and says so.
 */

interface Anchor {
  host: string;
  origin: string;
}

async function listeningAnchor(t: Test, env: Record<string, string> = {}): Promise<Anchor | null> {
  const host = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  const { app } = await testApp(t, { HOME_DOMAIN: host, WEB_AUTH_ENDPOINT: `http://${host}/v1/auth`, ...env });
  try {
    await app.listen({ host, port: 80 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EACCES') return null;
    throw error;
  }
  return { host, origin: `http://${host}` };
}

async function mySubscriptions(anchor: Anchor, token: string): Promise<number> {
  const response = await fetch(`${anchor.origin}/v1/me/subscriptions`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

t.test('SEP-1 + SEP-10 with @stellar/typescript-wallet-sdk: discovery, login, token on /v1/me/subscriptions; with a memo', async (t) => {
  const anchor = await listeningAnchor(t);
  if (!anchor) return t.plan(0, 'skipped: cannot bind port 80 (needs root or CAP_NET_BIND_SERVICE)');
  const wallet = Wallet.TestNet();
  const sdkAnchor = wallet.anchor({ homeDomain: anchor.host, allowHttp: true });
  const info = await sdkAnchor.sep1();
  t.equal(info.webAuthEndpoint, `${anchor.origin}/v1/auth`);
  t.match(info.documentation, { orgName: String, orgUrl: String });
  const auth = await sdkAnchor.sep10();

  const user = Keypair.random();
  const accountKp = SigningKeypair.fromSecret(user.secret());
  const token = await auth.authenticate({ accountKp });
  t.equal(token.account, user.publicKey());
  t.equal(decodeJwt(token.token).iss, `${anchor.origin}/v1/auth`);
  t.equal(await mySubscriptions(anchor, token.token), 200);

  const withMemo = await auth.authenticate({ accountKp, memoId: '1234' });
  t.equal(decodeJwt(withMemo.token).sub, `${user.publicKey()}:1234`);
  t.equal(await mySubscriptions(anchor, withMemo.token), 200);
});

t.test('SEP-10 §Verifying the Client Domain with the wallet SDK: a second local server is the wallet\'s domain', async (t) => {
  const domainKey = Keypair.random();
  const domain = await walletDomain(t, { toml: `SIGNING_KEY = "${domainKey.publicKey()}"\n` });
  const anchor = await listeningAnchor(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  if (!anchor) return t.plan(0, 'skipped: cannot bind port 80 (needs root or CAP_NET_BIND_SERVICE)');
  const walletSigner: WalletSigner = {
    // The wallet SDK bundles its own stellar-sdk; the transaction stays this project's (17) throughout.
    signWithClientAccount: ({ transaction, accountKp }) => {
      (transaction as unknown as Transaction).sign(Keypair.fromSecret((accountKp as SigningKeypair).secretKey));
      return transaction;
    },
    signWithDomainAccount: async ({ transactionXDR, networkPassphrase }) => {
      const tx = TransactionBuilder.fromXDR(transactionXDR, networkPassphrase) as Transaction;
      tx.sign(domainKey);
      return tx as never;
    },
  };
  const auth = await Wallet.TestNet().anchor({ homeDomain: anchor.host, allowHttp: true }).sep10();
  const user = Keypair.random();
  const token = await auth.authenticate({ accountKp: SigningKeypair.fromSecret(user.secret()), walletSigner, clientDomain: domain.domain });
  t.equal(decodeJwt(token.token).client_domain, domain.domain);
  t.same(domain.paths, ['/.well-known/stellar.toml'], 'the server read the wallet domain\'s stellar.toml');
  t.equal(await mySubscriptions(anchor, token.token), 200);
});

t.test('SEP-10 §Muxed Accounts over real HTTP (the wallet SDK takes G… accounts only)', async (t) => {
  const anchor = await listeningAnchor(t);
  if (!anchor) return t.plan(0, 'skipped: cannot bind port 80 (needs root or CAP_NET_BIND_SERVICE)');
  const user = Keypair.random();
  const muxed = new MuxedAccount(new Account(user.publicKey(), '0'), '77').accountId();
  const challenge = await (await fetch(`${anchor.origin}/v1/auth?account=${muxed}`)).json() as { transaction: string; network_passphrase: string };
  t.equal(challenge.network_passphrase, Networks.TESTNET);
  const tx = new Transaction(challenge.transaction, challenge.network_passphrase);
  tx.sign(user);
  const response = await fetch(`${anchor.origin}/v1/auth`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ transaction: tx.toEnvelope().toXDR('base64') }),
  });
  t.equal(response.headers.get('access-control-allow-origin'), '*');
  const { token } = await response.json() as { token: string };
  t.equal(decodeJwt(token).sub, muxed);
  t.equal(await mySubscriptions(anchor, token), 200);
});
