import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createPostgresEventStore } from '../../../eventstore/postgres/store.ts';
import { createEndpoint } from '../../../integration/webhooks/endpoints.ts';
import { verifyWebhook } from '../../../sdk/src/webhooks.ts';
import { testDatabase } from '../../support/database.ts';
import { appendMixedLog } from '../../support/relay-events.ts';
import { address } from '../../support/subscription-events.ts';
import { webhookReceiver } from '../../support/webhook-receiver.ts';

// A split deployment (`serve --no-projectors` beside `substream project`, as docker-compose runs it):
// the work that follows the log beside the projectors runs in `project` too, not only in `serve`.
const root = fileURLToPath(new URL('../../..', import.meta.url));

t.test('substream project dispatches and delivers webhooks', async (t) => {
  const database = await testDatabase(t);
  const creator = address('project-creator');
  const receiver = await webhookReceiver(t);
  const endpoint = await createEndpoint(database.db, creator, { url: receiver.url, events: ['SubscriptionActivated'], description: '' });

  const { DATABASE_URL: _unused, ...env } = process.env;
  const child = spawn(process.execPath, ['bin/substream.ts', 'project', '--poll-interval', '50'], {
    cwd: root,
    env: { ...env, DATABASE_URL: database.url, LOG_LEVEL: 'warn', OUTBOUND_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '50' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((done) => child.once('exit', done));
  t.teardown(async () => {
    child.kill('SIGTERM');
    await exited;
  });

  await appendMixedLog(createPostgresEventStore(database.db), 2, 'project');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && receiver.received.length < 2) await sleep(50);
  t.same(receiver.received.map((r) => JSON.parse(r.body).type), ['SubscriptionActivated', 'SubscriptionActivated'], 'each subscribed event delivered once');
  for (const webhook of receiver.received) {
    t.equal((await verifyWebhook(webhook.body, webhook.headers['substream-signature'] as string, endpoint.secret)).id, webhook.eventId, 'signed with the endpoint secret');
  }
});
