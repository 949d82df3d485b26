import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';
import { smtpCatcher } from '../support/smtp-catcher.ts';
import { LINK_BASE } from '../support/email-flow.ts';

// Found by the attacker review: `/v1/me/email` took any credential, so an API key holding only
// `streams:read` read, replaced (sending the verification link to itself) and deleted the
// creator's notification address. Like `/v1/me/data` and `/v1/me/erase`, it takes `admin:all`.
t.test('an API key without admin:all cannot read, set or delete the tenant\'s email address', async (t) => {
  const smtp = await smtpCatcher(t);
  const { app, token } = await testApp(t, { SMTP_URL: smtp.url, EMAIL_LINK_BASE_URL: LINK_BASE });
  const creator = randomAccount();
  const jwt = { authorization: `Bearer ${await token(creator, creator)}` };
  t.equal((await app.inject({ method: 'POST', url: '/v1/me/email', headers: jwt, payload: { address: 'alice@creator.example' } })).statusCode, 202, 'the creator sets its address');
  const created = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: jwt, payload: { name: 'reader', scopes: ['streams:read'] } });
  const key = { 'x-api-key': created.json().key as string };
  for (const [method, payload] of [['GET', undefined], ['POST', { address: 'attacker@evil.example' }], ['DELETE', undefined]] as const) {
    const response = await app.inject({ method, url: '/v1/me/email', headers: key, ...(payload ? { payload } : {}) });
    t.same([response.statusCode, response.json().code], [403, 'AUTH.SCOPE_MISSING'], `${method} with a streams:read key`);
  }
  t.same(smtp.mails.map((m) => m.to), [['alice@creator.example']], 'no verification email went to the attacker');
  t.equal((await app.inject({ method: 'GET', url: '/v1/me/email', headers: jwt })).json().address, 'alice@creator.example', 'the address is unchanged');
});

// Found by the attacker review: every POST sent a verification email, so anyone could bomb an
// inbox with links from fresh wallets. One pending link per subject per minute, three pending
// links per address per hour across subjects.
t.test('verification emails are throttled per subject and per address (429 EMAIL.VERIFY_THROTTLED)', async (t) => {
  const smtp = await smtpCatcher(t);
  const { app, token } = await testApp(t, { SMTP_URL: smtp.url, EMAIL_LINK_BASE_URL: LINK_BASE });
  const post = async (wallet: string, address: string) =>
    app.inject({ method: 'POST', url: '/v1/me/email', headers: { authorization: `Bearer ${await token(wallet)}` }, payload: { address } });
  const one = randomAccount();
  t.equal((await post(one, 'victim@example.com')).statusCode, 202);
  const again = await post(one, 'victim@example.com');
  t.same([again.statusCode, again.json().code], [429, 'EMAIL.VERIFY_THROTTLED'], 'the same subject within a minute');
  t.ok(Number(again.headers['retry-after']) > 0, 'with Retry-After');
  const others = [];
  for (let i = 0; i < 3; i++) others.push((await post(randomAccount(), 'Victim@Example.com')).statusCode);
  t.same(others, [202, 202, 429], 'three pending links per address per hour, whoever asks');
  t.equal(smtp.mails.length, 3, 'three emails reached the address, no more');
  t.equal((await post(randomAccount(), 'someone-else@example.com')).statusCode, 202, 'other addresses are not affected');
});

// Found merging erasure onto the RLS work: /v1/me/data read api_keys and webhook_endpoints outside
// the tenant's scope, so under row-level security it listed none (an empty answer, not an error).
t.test('GET /v1/me/data lists the caller\'s API keys, webhook endpoints and email address', async (t) => {
  const smtp = await smtpCatcher(t);
  const { app, token } = await testApp(t, { SMTP_URL: smtp.url, EMAIL_LINK_BASE_URL: LINK_BASE, OUTBOUND_ALLOW_PRIVATE: 'false' });
  const creator = randomAccount();
  const jwt = { authorization: `Bearer ${await token(creator, creator)}` };
  t.equal((await app.inject({ method: 'POST', url: '/v1/api-keys', headers: jwt, payload: { name: 'mine', scopes: ['streams:read'] } })).statusCode, 201);
  t.equal((await app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: jwt, payload: { url: 'https://hooks.example.com/in', events: ['*'] } })).statusCode, 201);
  t.equal((await app.inject({ method: 'POST', url: '/v1/me/email', headers: jwt, payload: { address: 'me@creator.example' } })).statusCode, 202);
  const data = await app.inject({ method: 'GET', url: '/v1/me/data', headers: jwt });
  t.equal(data.statusCode, 200, data.body);
  t.same(data.json().apiKeys.map((k: { name: string }) => k.name), ['mine']);
  t.same(data.json().webhookEndpoints.map((e: { url: string }) => e.url), ['https://hooks.example.com/in']);
  t.match(data.json().email, { address: 'me@creator.example', verified: false });
});
