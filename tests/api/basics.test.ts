import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';

t.test('health, docs and the one error shape', async (t) => {
  const { app } = await testApp(t);

  const health = await app.inject({ method: 'GET', url: '/health' });
  t.equal(health.statusCode, 200);
  t.same(health.json(), { status: 'ok' });
  t.ok(health.headers['x-request-id'], 'every response names its request id');

  const docs = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(docs.statusCode, 200);
  const paths = Object.keys(docs.json().paths);
  for (const path of ['/v1/creators', '/v1/subscriptions', '/v1/subscriptions/{id}', '/v1/me/subscriptions', '/ready']) {
    t.ok(paths.includes(path), `OpenAPI documents ${path}`);
  }
  t.ok(docs.json().components.schemas.Error, 'the error shape is a documented schema');

  const missing = await app.inject({ method: 'GET', url: '/v1/nope' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'ROUTE.NOT_FOUND');
  t.equal(missing.json().requestId, missing.headers['x-request-id']);
});

t.test('authentication failures are 401 with distinct codes', async (t) => {
  const { app, token } = await testApp(t);
  const body = { displayName: 'Ada' };
  const none = await app.inject({ method: 'POST', url: '/v1/creators', payload: body });
  t.equal(none.statusCode, 401);
  t.equal(none.json().code, 'AUTH.MISSING_TOKEN');
  const garbage = await app.inject({ method: 'POST', url: '/v1/creators', payload: body, headers: { authorization: 'Bearer abc.def.ghi' } });
  t.equal(garbage.json().code, 'AUTH.INVALID_TOKEN');
  const expired = await token(randomAccount(), undefined, -10);
  const old = await app.inject({ method: 'POST', url: '/v1/creators', payload: body, headers: { authorization: `Bearer ${expired}` } });
  t.equal(old.statusCode, 401);
  t.equal(old.json().code, 'AUTH.TOKEN_EXPIRED');
});

t.test('bad input is a 4xx in the same shape, never a 500', async (t) => {
  const { app, token } = await testApp(t);
  const headers = { authorization: `Bearer ${await token(randomAccount())}` };
  const cases = [
    { payload: '{"displayName": ', type: 'application/json', status: 400 },
    { payload: { displayName: 42 }, type: 'application/json', status: 400, code: 'VALIDATION.FAILED' },
    { payload: {}, type: 'application/json', status: 400, code: 'VALIDATION.FAILED' },
    { payload: 'displayName=x', type: 'text/csv', status: 415 },
    { payload: JSON.stringify({ displayName: 'x'.repeat(2 * 1024 * 1024) }), type: 'application/json', status: 413 },
  ];
  for (const c of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/creators', payload: c.payload, headers: { ...headers, 'content-type': c.type } });
    t.equal(response.statusCode, c.status, `${c.type} ${String(c.payload).slice(0, 30)}`);
    const error = response.json();
    t.type(error.code, 'string');
    t.type(error.message, 'string');
    if (c.code) t.equal(error.code, c.code);
  }
  const unknownAddress = await app.inject({ method: 'GET', url: '/v1/creators/GNOTANADDRESS' });
  t.equal(unknownAddress.statusCode, 400);
  t.equal(unknownAddress.json().code, 'VALIDATION.FAILED');
});

t.test('Idempotency-Key replays the first response; a different body is 422', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = randomAccount();
  const headers = { authorization: `Bearer ${await token(creator)}`, 'idempotency-key': 'key-1' };
  const first = await app.inject({ method: 'POST', url: '/v1/creators', payload: { displayName: 'Ada' }, headers });
  t.equal(first.statusCode, 201);
  const again = await app.inject({ method: 'POST', url: '/v1/creators', payload: { displayName: 'Ada' }, headers });
  t.equal(again.statusCode, 201);
  t.equal(again.headers['idempotent-replayed'], 'true');
  t.same(again.json(), first.json());
  const events = await database.db.selectFrom('events').select('type').where('stream_id', '=', `creator-${creator}`).execute();
  t.equal(events.length, 1, 'the replay appended nothing');

  const other = await app.inject({ method: 'POST', url: '/v1/creators', payload: { displayName: 'Bob' }, headers });
  t.equal(other.statusCode, 422);
  t.equal(other.json().code, 'IDEMPOTENCY.KEY_REUSED');

  const fresh = await app.inject({ method: 'POST', url: '/v1/creators', payload: { displayName: 'Ada' }, headers: { ...headers, 'idempotency-key': 'key-2' } });
  t.equal(fresh.statusCode, 422, 'a new key runs the command again, which the domain refuses');
  t.equal(fresh.json().code, 'CREATOR.ALREADY_REGISTERED');
  const replayedError = await app.inject({ method: 'POST', url: '/v1/creators', payload: { displayName: 'Ada' }, headers: { ...headers, 'idempotency-key': 'key-2' } });
  t.equal(replayedError.statusCode, 422);
  t.equal(replayedError.headers['idempotent-replayed'], 'true', 'errors are stored and replayed too');
});
