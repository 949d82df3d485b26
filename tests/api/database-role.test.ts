import { Keypair, TransactionBuilder, Networks } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';

// The API as deployed: connected as a login role whose only membership is substream_api (owns
// nothing, no BYPASSRLS). Every kind of write the API makes goes through, and what it reads back.

t.test('the API works as a login role in substream_api: appends, idempotency, API keys, SEP-10, health', async (t) => {
  const { app, token, database } = await testApp(t, {}, { role: 'api' });

  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await token(creator, creator)}` };
  const registered = await app.inject({ method: 'POST', url: '/v1/creators', headers: { ...auth, 'idempotency-key': 'register-1' }, payload: { displayName: 'Ada' } });
  t.equal(registered.statusCode, 201, `append with an Idempotency-Key: ${registered.body}`);
  const replayed = await app.inject({ method: 'POST', url: '/v1/creators', headers: { ...auth, 'idempotency-key': 'register-1' }, payload: { displayName: 'Ada' } });
  t.equal(replayed.statusCode, 201, 'the stored answer replays');
  t.equal(replayed.body, registered.body);
  const { rows: others } = await sql<{ user: string }>`select distinct usename as user from pg_stat_activity
    where datname = current_database() and usename <> current_user`.execute(database.db);
  t.same(others.map((r) => r.user), ['substream_test_api'], 'the app\'s pool logs in as the API login role');

  const key = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: auth, payload: { name: 'sync', scopes: ['subscriptions:read'] } });
  t.equal(key.statusCode, 201, `API key created: ${key.body}`);
  const used = await app.inject({ method: 'GET', url: '/v1/creators/me/subscribers', headers: { 'x-api-key': key.json().key } });
  t.equal(used.statusCode, 200, `API key used (last_used_at updated), read model read under RLS: ${used.body}`);
  const revoked = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.json().id}`, headers: auth });
  t.equal(revoked.statusCode, 204, `API key revoked: ${revoked.body}`);

  const wallet = Keypair.random();
  const challenge = await app.inject({ method: 'GET', url: `/v1/auth?account=${wallet.publicKey()}` });
  t.equal(challenge.statusCode, 200, `SEP-10 challenge stored: ${challenge.body}`);
  const tx = TransactionBuilder.fromXDR(challenge.json().transaction, challenge.json().network_passphrase ?? Networks.TESTNET);
  tx.sign(wallet);
  const login = await app.inject({ method: 'POST', url: '/v1/auth', payload: { transaction: tx.toXDR() } });
  t.equal(login.statusCode, 200, `SEP-10 challenge consumed: ${login.body}`);

  const ready = await app.inject({ method: 'GET', url: '/ready' });
  t.equal(ready.json().database, 'up', `/ready reads the checkpoints and dead letters: ${ready.body}`);
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(metrics.statusCode, 200, '/metrics reads the log, checkpoints and dead-letter counts');
  t.match(metrics.body, /substream_db_up 1/);
});
