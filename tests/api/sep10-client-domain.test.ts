import { Keypair } from '@stellar/stellar-sdk';
import t from 'tap';
import { testApp } from '../support/app.ts';
import { walletDomain } from '../support/wallet-domain.ts';

/** SSRF through SEP-10 `client_domain`: the server fetches `https://<client_domain>/.well-known/stellar.toml`. */

const DEV = { OUTBOUND_ALLOW_PRIVATE: 'true' };

async function challengeFor(app: Awaited<ReturnType<typeof testApp>>['app'], clientDomain: string) {
  const account = Keypair.random().publicKey();
  return app.inject({ method: 'GET', url: `/v1/auth?account=${account}&client_domain=${encodeURIComponent(clientDomain)}` });
}

t.test('client_domain must be a host name (optional :port) of at most 64 bytes: anything else is 400 and reaches no server', async (t) => {
  const wallet = await walletDomain(t, { toml: `SIGNING_KEY = "${Keypair.random().publicKey()}"\n` });
  const { app } = await testApp(t, DEV);
  const host = wallet.domain;
  const port = host.split(':')[1];
  const values = [
    `${host}/x?`, `${host}/`, `${host}#`, `${host}?a=b`, `user@${host}`, `user:pw@${host}`, `http://${host}`, `https://${host}`,
    `${host}\\x`, `${host}:1`, ` ${host}`, `${host} `, `evil.example/x?`, `evil.example/.well-known/x?y=`,
    `2130706433:${port}`, `0x7f.0.0.1:${port}`, `127.1:${port}`, `0177.0.0.1:${port}`,
    `${'a'.repeat(57)}.example`, `${'a.'.repeat(32)}example`, '', '.', '..', 'a..b', `[::1]:${port}`, 'exa mple.com', 'ex\u00e4mple.com',
  ];
  for (const value of values) {
    const response = await challengeFor(app, value);
    t.equal(response.statusCode, 400, `${JSON.stringify(value)}: ${response.body}`);
    t.equal(response.json().code, 'AUTH.CLIENT_DOMAIN_INVALID', JSON.stringify(value));
  }
  t.equal(wallet.connections(), 0, 'no value reached the server');
});

t.test('client_domain resolving to a loopback or private address is refused without OUTBOUND_ALLOW_PRIVATE', async (t) => {
  const wallet = await walletDomain(t, { toml: `SIGNING_KEY = "${Keypair.random().publicKey()}"\n` });
  const { app } = await testApp(t);
  const port = wallet.domain.split(':')[1];
  for (const value of [wallet.domain, `localhost:${port}`, `127.0.0.2:${port}`, `10.0.0.1:${port}`, '169.254.169.254', '192.168.1.1', '100.64.0.1', '0.0.0.0']) {
    const response = await challengeFor(app, value);
    t.equal(response.statusCode, 400, `${value}: ${response.body}`);
    t.equal(response.json().code, 'AUTH.CLIENT_DOMAIN_FORBIDDEN', value);
  }
  t.equal(wallet.connections(), 0, 'no connection was made');
});

t.test('a wallet domain that never answers is given up within the outbound timeout (default 2 s)', async (t) => {
  const wallet = await walletDomain(t, { handler: () => {} });
  const { app } = await testApp(t, DEV);
  const started = performance.now();
  const response = await challengeFor(app, wallet.domain);
  const elapsed = performance.now() - started;
  t.equal(response.statusCode, 400);
  t.equal(response.json().code, 'AUTH.CLIENT_DOMAIN_UNAVAILABLE');
  t.ok(elapsed < 3_000, `answered after ${Math.round(elapsed)} ms`);
});

t.test('a stellar.toml over 100 KB (SEP-1 maximum) is refused, whatever it starts with', async (t) => {
  const key = Keypair.random().publicKey();
  const wallet = await walletDomain(t, { toml: `SIGNING_KEY = "${key}"\n${'# padding\n'.repeat(20_000)}` });
  const { app } = await testApp(t, DEV);
  const response = await challengeFor(app, wallet.domain);
  t.equal(response.statusCode, 400, response.body);
  t.equal(response.json().code, 'AUTH.CLIENT_DOMAIN_UNAVAILABLE');
});

t.test('redirects are not followed', async (t) => {
  const target = await walletDomain(t, { toml: `SIGNING_KEY = "${Keypair.random().publicKey()}"\n` });
  const wallet = await walletDomain(t, { handler: (_request, response) => response.writeHead(302, { location: `http://${target.domain}/.well-known/stellar.toml` }).end() });
  const { app } = await testApp(t, DEV);
  const response = await challengeFor(app, wallet.domain);
  t.equal(response.statusCode, 400);
  t.equal(response.json().code, 'AUTH.CLIENT_DOMAIN_UNAVAILABLE');
  t.equal(target.connections(), 0);
});

t.test('stellar.toml is read as TOML: only the top-level SIGNING_KEY counts, in any TOML string form', async (t) => {
  const key = Keypair.random().publicKey();
  const inTable = await walletDomain(t, { toml: `[DOCUMENTATION]\nSIGNING_KEY = "${key}"\n` });
  const inMultiline = await walletDomain(t, { toml: `NOTE = """\nSIGNING_KEY = "${key}"\n"""\n` });
  const literal = await walletDomain(t, { toml: `# a wallet\nSIGNING_KEY = '${key}'\n` });
  const broken = await walletDomain(t, { toml: `SIGNING_KEY = "${key}"\nSIGNING_KEY = "${key}"\n` });
  const { app } = await testApp(t, DEV);
  for (const [name, domain, status] of [['in a table', inTable.domain, 400], ['inside a multi-line string', inMultiline.domain, 400], ['a duplicate key (invalid TOML)', broken.domain, 400], ['a literal string', literal.domain, 200]] as const) {
    const response = await challengeFor(app, domain);
    t.equal(response.statusCode, status, `${name}: ${response.body}`);
  }
});
