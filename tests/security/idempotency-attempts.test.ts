import t from 'tap';
import { creatorStreamId } from '../../domain/creator/events.ts';
import { randomAccount, TEST_CONTRACT_ID, testApp } from '../support/app.ts';

// Found by the attacker review: the retry recognition (an attempt id on the stream's tail) must
// be an identity only the server mints per Idempotency-Key claim, never a client-chosen value,
// and the claim's namespace must be the principal acting for its tenant, not the token's subject.
const tiers = (ratePerSecond: string) => ({ tiers: [{ name: 'bronze', token: TEST_CONTRACT_ID, price: { kind: 'rate', ratePerSecond } }] });

t.test('two commands with distinct Idempotency-Keys and one X-Request-Id are both decided', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await token(creator)}` };
  t.equal((await app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: 'Ada' } })).statusCode, 201);
  const headers = (key: string) => ({ ...auth, 'idempotency-key': key, 'x-request-id': 'trace-42' });
  t.equal((await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: headers('k1'), payload: tiers('5') })).statusCode, 200);
  t.equal((await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: headers('k2'), payload: tiers('9') })).statusCode, 200);
  const stream = await database.db.selectFrom('events').select('type').where('stream_id', '=', creatorStreamId(creator)).execute();
  t.equal(stream.length, 3, 'the second, different TiersSet is appended');
});

t.test('a client cannot adopt the attempt id of a stream\'s tail to skip the decider', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await token(creator)}` };
  await app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: 'Ada' } });
  t.equal((await app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: { ...auth, 'idempotency-key': 'k1' }, payload: tiers('5') })).statusCode, 200);
  const tail = await database.db.selectFrom('events').select('metadata').where('stream_id', '=', creatorStreamId(creator)).orderBy('stream_revision', 'desc').limit(1).executeTakeFirstOrThrow();
  const attempt = String((tail.metadata as { attemptId?: string }).attemptId);
  const again = await app.inject({ method: 'POST', url: '/v1/creators', headers: { ...auth, 'idempotency-key': 'k3', 'x-request-id': attempt }, payload: { displayName: 'Ada2' } });
  t.equal(again.statusCode, 422, 'a second registration is refused by the decider');
  t.equal(again.json().code, 'CREATOR.ALREADY_REGISTERED');
});

t.test('one subject acting for two tenants has one Idempotency-Key namespace per tenant', async (t) => {
  const { app, token } = await testApp(t);
  const [op, a, b] = [randomAccount(), randomAccount(), randomAccount()];
  const post = async (tenant: string) =>
    app.inject({ method: 'POST', url: '/v1/creators', headers: { authorization: `Bearer ${await token(op, tenant)}`, 'idempotency-key': 'same' }, payload: { displayName: 'X' } });
  const ra = await post(a);
  const rb = await post(b);
  t.equal(ra.statusCode, 201);
  t.equal(rb.statusCode, 201);
  t.equal(rb.headers['idempotent-replayed'], undefined, 'tenant B does not get tenant A\'s stored answer');
  t.equal(rb.json().creator, b);
});

t.test('a new API key\'s secret is never stored under an Idempotency-Key, nor replayed', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await token(creator)}` };
  const created = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { ...auth, 'idempotency-key': 'mk-1' }, payload: { name: 'ci', scopes: ['admin:all'] } });
  t.equal(created.statusCode, 201);
  const secret = created.json().key as string;
  const rows = await database.db.selectFrom('idempotency_keys').select('response_body').execute();
  t.notOk(rows.some((r) => String(r.response_body).includes(secret)), 'the secret is not at rest in idempotency_keys');
  const replay = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { ...auth, 'idempotency-key': 'mk-1' }, payload: { name: 'ci', scopes: ['admin:all'] } });
  t.notOk(replay.body.includes(secret), 'a repeat never shows the secret again');
});
