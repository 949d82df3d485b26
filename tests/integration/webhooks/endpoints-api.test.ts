import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { randomAccount, testApp } from '../../support/app.ts';

const post = (app: FastifyInstance, authorization: string, payload: unknown) =>
  app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: { authorization }, payload: payload as object });

t.test('endpoints: create (secret shown once), list, get, patch, rotate, delete — scoped to the tenant', async (t) => {
  const { app, token, database } = await testApp(t);
  const creator = randomAccount();
  const owner = `Bearer ${await token(creator, creator)}`;

  const created = await post(app, owner, { url: 'https://hooks.example.com/in', events: ['SubscriptionActivated', 'SubscriptionCancelled'], description: 'billing' });
  t.equal(created.statusCode, 201, created.body);
  const endpoint = created.json();
  t.match(endpoint.secret, /^whsec_[A-Za-z0-9_-]{43}$/, 'a whsec_ secret of 32 random bytes');
  t.match(endpoint, { url: 'https://hooks.example.com/in', description: 'billing', enabled: true, status: 'active', consecutiveFailures: 0, previousSecretExpiresAt: null });

  const listed = await app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: { authorization: owner } });
  t.equal(listed.statusCode, 200);
  t.same(listed.json().items.map((e: { id: string }) => e.id), [endpoint.id]);
  t.notOk(listed.body.includes(endpoint.secret), 'a listing never shows the secret');
  const one = await app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${endpoint.id}`, headers: { authorization: owner } });
  t.equal(one.statusCode, 200);
  t.notOk(one.body.includes(endpoint.secret), 'nor does GET');

  const patched = await app.inject({ method: 'PATCH', url: `/v1/webhook-endpoints/${endpoint.id}`, headers: { authorization: owner }, payload: { events: ['*'], enabled: false } });
  t.equal(patched.statusCode, 200, patched.body);
  t.match(patched.json(), { events: ['*'], enabled: false, status: 'disabled' });
  const enabled = await app.inject({ method: 'PATCH', url: `/v1/webhook-endpoints/${endpoint.id}`, headers: { authorization: owner }, payload: { enabled: true } });
  t.match(enabled.json(), { enabled: true, status: 'active' });

  const rotated = await app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, headers: { authorization: owner } });
  t.equal(rotated.statusCode, 200, rotated.body);
  t.not(rotated.json().secret, endpoint.secret, 'a new secret');
  const grace = Date.parse(rotated.json().previousSecretExpiresAt) - Date.now();
  t.ok(grace > 23.9 * 3600_000 && grace <= 24 * 3600_000, 'the old secret stays valid for 24 h');
  const row = await database.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpoint.id).executeTakeFirstOrThrow();
  t.equal(row.previous_secret, endpoint.secret, 'the old secret is kept to sign beside the new one');

  const other = randomAccount();
  const stranger = `Bearer ${await token(other, other)}`;
  for (const [method, url] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/rotate-secret'], ['GET', '/deliveries']] as const) {
    const response = await app.inject({ method, url: `/v1/webhook-endpoints/${endpoint.id}${url}`, headers: { authorization: stranger }, ...(method === 'PATCH' ? { payload: { enabled: false } } : {}) });
    t.equal(response.statusCode, 404, `${method} ${url || '/'} of another tenant's endpoint is 404`);
    t.equal(response.json().code, 'WEBHOOK_ENDPOINT.NOT_FOUND');
  }
  const theirs = await app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: { authorization: stranger } });
  t.same(theirs.json().items, [], 'another tenant lists none');

  const keyed = { authorization: owner, 'idempotency-key': 'create-once' };
  const once = await app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: keyed, payload: { url: 'https://hooks.example.com/again', events: ['*'] } });
  t.equal(once.statusCode, 201);
  const repeat = await app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: keyed, payload: { url: 'https://hooks.example.com/again', events: ['*'] } });
  t.equal(repeat.statusCode, 409, 'a repeat under the same Idempotency-Key never shows the secret again');
  t.notOk(repeat.body.includes(once.json().secret));

  const deleted = await app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${endpoint.id}`, headers: { authorization: owner } });
  t.equal(deleted.statusCode, 204);
  const gone = await app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${endpoint.id}`, headers: { authorization: owner } });
  t.equal(gone.statusCode, 404);
});

t.test('API keys need webhooks:read to read and webhooks:write to change; a wallet token is its own tenant', async (t) => {
  const { app, token } = await testApp(t);
  const creator = randomAccount();
  const owner = `Bearer ${await token(creator, creator)}`;
  const key = async (scopes: string[]) => (await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: owner }, payload: { name: scopes.join(), scopes } })).json().key as string;
  const reader = `Bearer ${await key(['webhooks:read'])}`;
  const writer = `Bearer ${await key(['webhooks:write'])}`;
  const body = { url: 'https://hooks.example.com/in', events: ['*'] };

  const refused = await post(app, reader, body);
  t.equal(refused.statusCode, 403);
  t.match(refused.json(), { code: 'AUTH.SCOPE_MISSING', details: { scope: 'webhooks:write' } });
  t.equal((await post(app, writer, body)).statusCode, 201, 'webhooks:write creates');
  t.equal((await app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: { authorization: reader } })).statusCode, 200, 'webhooks:read lists');
  const noRead = await app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: { authorization: writer } });
  t.match(noRead.json(), { code: 'AUTH.SCOPE_MISSING', details: { scope: 'webhooks:read' } });
  const wallet = randomAccount();
  const walletOwn = await post(app, `Bearer ${await token(wallet)}`, body);
  t.equal(walletOwn.statusCode, 201, 'a wallet token acts for its own address');
  const listedOwn = await app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: { authorization: `Bearer ${await token(wallet)}` } });
  t.equal(listedOwn.json().items.length, 1, 'and sees only its own endpoint');
  t.equal((await post(app, '', body)).statusCode, 401, 'no credential: 401');
});

t.test('bad input is a 400 in the one error shape: refused URLs (SSRF at registration), unknown event types, repeats', async (t) => {
  const { app, token } = await testApp(t);
  const creator = randomAccount();
  const owner = `Bearer ${await token(creator, creator)}`;
  const refusedUrls = [
    'http://hooks.example.com/in',
    'https://127.0.0.1/in',
    'https://10.0.0.5/in',
    'https://169.254.169.254/latest/meta-data',
    'https://[::1]/in',
    'https://[::ffff:127.0.0.1]/in',
    'https://user:pass@hooks.example.com/in',
    'ftp://hooks.example.com/in',
    'not a url',
  ];
  for (const url of refusedUrls) {
    const response = await post(app, owner, { url, events: ['*'] });
    t.equal(response.statusCode, 400, `${url} is refused`);
    t.equal(response.json().code, 'WEBHOOK_ENDPOINT.URL_REFUSED', url);
  }
  const created = (await post(app, owner, { url: 'https://hooks.example.com/in', events: ['*'] })).json();
  const patch = await app.inject({ method: 'PATCH', url: `/v1/webhook-endpoints/${created.id}`, headers: { authorization: owner }, payload: { url: 'https://192.168.1.1/x' } });
  t.equal(patch.statusCode, 400, 'a PATCH to a private address is refused too');
  for (const events of [[], ['NoSuchEvent'], ['ViewEventsRecorded'], ['*', '*']]) {
    const response = await post(app, owner, { url: 'https://hooks.example.com/in', events });
    t.equal(response.statusCode, 400, `events ${JSON.stringify(events)} is refused`);
    t.type(response.json().code, 'string');
  }
  const badId = await app.inject({ method: 'GET', url: '/v1/webhook-endpoints/not-a-uuid', headers: { authorization: owner } });
  t.equal(badId.statusCode, 400);

  const { app: devApp, token: devToken } = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const dev = `Bearer ${await devToken(creator, creator)}`;
  t.equal((await post(devApp, dev, { url: 'http://127.0.0.1:9/in', events: ['*'] })).statusCode, 201, 'the development setting allows http and loopback');
});

// Found by the attacker review: one tenant registering hundreds of slow endpoints multiplied every
// event into that many deliveries and held up every other tenant's. Endpoints per tenant are capped.
t.test('a tenant holds at most WEBHOOK_MAX_ENDPOINTS_PER_TENANT endpoints', async (t) => {
  const { app, token } = await testApp(t, { WEBHOOK_MAX_ENDPOINTS_PER_TENANT: '3' });
  const [creator, other] = [randomAccount(), randomAccount()];
  const owner = `Bearer ${await token(creator, creator)}`;
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await post(app, owner, { url: `https://hooks.example.com/${i}`, events: ['*'] })).statusCode);
  t.same(statuses, [201, 201, 201, 422]);
  const refused = await post(app, owner, { url: 'https://hooks.example.com/x', events: ['*'] });
  t.equal(refused.json().code, 'WEBHOOK_ENDPOINT.LIMIT_REACHED');
  t.equal((await post(app, `Bearer ${await token(other, other)}`, { url: 'https://hooks.example.com/o', events: ['*'] })).statusCode, 201, 'another tenant is not affected');
});

t.test('the endpoint cap holds for concurrent registrations (count and insert are one step)', async (t) => {
  const { app, token, database } = await testApp(t, { WEBHOOK_MAX_ENDPOINTS_PER_TENANT: '2' });
  const creator = randomAccount();
  const owner = `Bearer ${await token(creator, creator)}`;
  const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => post(app, owner, { url: `https://hooks.example.com/${i}`, events: ['*'] }).then((r) => r.statusCode)));
  t.same(statuses.filter((s) => s === 201).length, 2, `two created (${statuses.join(',')})`);
  t.same(statuses.filter((s) => s === 422).length, 10, 'the others refused');
  const { count } = await database.db.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<string>().as('count')).where('tenant_id', '=', creator).executeTakeFirstOrThrow();
  t.equal(Number(count), 2, 'two stored');
});
