import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createPostgresEventStore } from '../../../eventstore/postgres/store.ts';
import { signToken } from '../../../platform/tokens.ts';
import { verifyWebhook } from '../../../sdk/src/webhooks.ts';
import { testDatabase } from '../../support/database.ts';
import { appendMixedLog } from '../../support/relay-events.ts';
import { address } from '../../support/subscription-events.ts';
import { smtpCatcher } from '../../support/smtp-catcher.ts';
import { webhookReceiver } from '../../support/webhook-receiver.ts';

// The real `substream serve` in a child process runs the dispatcher and the delivery workers.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const JWT_SECRET = 'webhook-serve-test-secret-at-least-32-characters';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

t.test('serve delivers the log to a registered endpoint, signed, and emails a verified subscriber', async (t) => {
  const database = await testDatabase(t);
  const smtp = await smtpCatcher(t);
  const port = await freePort();
  const { DATABASE_URL: _unused, ...env } = process.env;
  const child = spawn(process.execPath, ['bin/substream.ts', 'serve'], {
    cwd: root,
    env: { ...env, DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', JWT_SECRET, OUTBOUND_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '50', SMTP_URL: smtp.url, EMAIL_LINK_BASE_URL: 'https://api.substream.test' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((done) => child.once('exit', done));
  t.teardown(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 90_000;
  while (Date.now() < until && !(await fetch(`${base}/health`).then((r) => r.ok, () => false))) await sleep(100);

  const creator = address('serve-creator');
  const receiver = await webhookReceiver(t, (_request, seen) => (seen === 0 ? { status: 500 } : { status: 200 }));
  const authorization = `Bearer ${await signToken(JWT_SECRET, { sub: creator, tenant: creator }, 600)}`;
  const created = await fetch(`${base}/v1/webhook-endpoints`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ url: receiver.url, events: ['SubscriptionActivated'] }) });
  t.equal(created.status, 201);
  const { secret } = await created.json() as { secret: string };

  const subscriber = address('serve-sub-0');
  const mine = { authorization: `Bearer ${await signToken(JWT_SECRET, { sub: subscriber }, 600)}`, 'content-type': 'application/json' };
  t.equal((await fetch(`${base}/v1/me/email`, { method: 'POST', headers: mine, body: JSON.stringify({ address: 'serve@example.com' }) })).status, 202);
  const verify = new URL(smtp.mails[0]!.parsed.text!.match(/https:\S+verify\?token=\S+/)![0]);
  t.equal((await fetch(`${base}${verify.pathname}${verify.search}`)).status, 200);

  await appendMixedLog(createPostgresEventStore(database.db), 2, 'serve');
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && receiver.received.filter((r) => r.body).length < 4) await sleep(50);
  const types = receiver.received.map((r) => JSON.parse(r.body).type);
  t.same(types, ['SubscriptionActivated', 'SubscriptionActivated', 'SubscriptionActivated', 'SubscriptionActivated'], 'only the subscribed type, each answered 500 once, then retried');
  t.equal(new Set(receiver.received.map((r) => r.eventId)).size, 2);
  for (const webhook of receiver.received) t.equal((await verifyWebhook(webhook.body, webhook.headers['substream-signature'] as string, secret)).id, webhook.eventId, 'verified');
  const emailBy = Date.now() + 20_000;
  while (Date.now() < emailBy && smtp.mails.length < 2) await sleep(50);
  t.same(smtp.mails.slice(1).map((m) => [m.to.join(), m.parsed.subject]), [['serve@example.com', 'Your subscription is active']], 'the email dispatcher and sender run in serve too');
});
