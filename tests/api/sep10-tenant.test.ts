import { Account, Keypair, MuxedAccount, Transaction } from '@stellar/stellar-sdk';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import t from 'tap';
import { testApp } from '../support/app.ts';
import { connectLive } from '../support/live-client.ts';

/** Logs in through SEP-10 (GET challenge, sign, POST) and returns the token. */
async function login(app: FastifyInstance, query: string, signer: Keypair): Promise<string> {
  const challenge = await app.inject({ method: 'GET', url: `/v1/auth?${query}` });
  const { transaction, network_passphrase } = challenge.json();
  const tx = new Transaction(transaction, network_passphrase);
  tx.sign(signer);
  const response = await app.inject({ method: 'POST', url: '/v1/auth', payload: { transaction: tx.toEnvelope().toXDR('base64') } });
  if (response.statusCode !== 200) throw new Error(`login: ${response.statusCode} ${response.body}`);
  return response.json().token;
}

// DESIGN: "A wallet principal is the tenant of itself". Whoever proved control of a G… account
// through SEP-10 acts for that account as a creator: the dashboard's wallet sign-in opens the live
// feed, which (unlike the analytics reads) requires a tenant. A memo or muxed sub-account is a
// custodial user of the account, not its owner, and stays tenant-less.
t.test('a SEP-10 login acts for the account as its own tenant; a shared or muxed sub-account does not', async (t) => {
  const { app } = await testApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const owner = Keypair.random();
  const muxed = new MuxedAccount(new Account(owner.publicKey(), '0'), '7').accountId();
  const cases = [
    { name: 'G… account', query: `account=${owner.publicKey()}`, tenant: owner.publicKey() },
    { name: 'G… with memo', query: `account=${owner.publicKey()}&memo=42`, tenant: undefined },
    { name: 'M… muxed account', query: `account=${muxed}`, tenant: undefined },
  ];
  for (const c of cases) {
    const token = await login(app, c.query, owner);
    // No tenant claim: a claim different from sub is delegation only (api/auth/principal.ts); the rule derives the tenant.
    t.equal(decodeJwt(token).tenant, undefined, `${c.name}: no tenant claim`);
    const live = await connectLive(`ws://127.0.0.1:${port}`, token);
    if (c.tenant) {
      t.equal((await live.next((m) => m.type === 'ready')).type, 'ready', `${c.name}: the live feed accepts it`);
      live.close();
    } else {
      t.same(await live.closed, { code: 4403, reason: 'AUTH.TENANT_REQUIRED' }, `${c.name}: the live feed refuses it`);
    }
  }
});
