import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createPostgresEventStore } from '../../../eventstore/postgres/store.ts';
import type { NewEvent } from '../../../eventstore/types.ts';
import { loadRelayCheckpoint } from '../../../integration/checkpoint.ts';
import { EMAIL_DISPATCHER } from '../../../integration/email/dispatcher.ts';
import { WEBHOOK_DISPATCHER } from '../../../integration/webhooks/dispatcher.ts';
import { verifyWebhook } from '../../../sdk/src/webhooks.ts';
import { randomAccount, testApp } from '../../support/app.ts';
import { crashMidBatch } from '../../support/dispatcher-crash.ts';
import { emailAll, LINK_BASE, testSenderOptions } from '../../support/email-flow.ts';
import { smtpCatcher } from '../../support/smtp-catcher.ts';
import { subEvent } from '../../support/subscription-events.ts';
import { deliverUntil, registerEndpoint, testWorkerOptions } from '../../support/webhook-flow.ts';
import { webhookReceiver } from '../../support/webhook-receiver.ts';

const SUBSCRIBERS = 4;
const LIFE: [string, Record<string, unknown>][] = [
  ['SubscriptionRequested', { tier: 'gold', token: randomAccount(), ratePerSecond: '9007199254740993', requestedAt: '2026-11-01T00:00:00Z', expiresAt: '2026-11-02T00:00:00Z' }],
  ['SubscriptionActivated', { token: randomAccount(), ratePerSecond: '9007199254740993', planId: null, activatedAt: '2026-11-01T00:01:00Z' }],
  ['GracePeriodStarted', { dunningStartedAt: '2026-12-01T00:00:00Z', graceEndsAt: '2026-12-04T00:00:00Z', merchantReferenceId: null }],
  ['SubscriptionCancelled', { refundAmount: '0', cancelledAt: '2026-12-04T00:00:01Z' }],
];
const EXPECTED_EMAILS = ['A payment failed: your subscription is in its grace period', 'Your subscription has ended', 'Your subscription is active'];

// The "done when": a subscription's life (requested → active → payment failed →
// cancelled) produces the expected webhooks and emails exactly once each, surviving a crash of
// each dispatcher mid-batch (a child process SIGKILLed with its batch written, uncommitted).
t.test('a subscription’s life gives each webhook and each email exactly once, though each dispatcher is killed mid-batch', async (t) => {
  const smtp = await smtpCatcher(t);
  const { app, token, database } = await testApp(t, { SMTP_URL: smtp.url, EMAIL_LINK_BASE_URL: LINK_BASE, OUTBOUND_ALLOW_PRIVATE: 'true' });
  const { db } = database;
  const creator = randomAccount();
  const receiver = await webhookReceiver(t);
  const { secret } = await registerEndpoint(app, `Bearer ${await token(creator, creator)}`, receiver.url);
  const subscribers = Array.from({ length: SUBSCRIBERS }, () => randomAccount());
  for (const [i, subscriber] of subscribers.entries()) {
    const headers = { authorization: `Bearer ${await token(subscriber)}` };
    await app.inject({ method: 'POST', url: '/v1/me/email', headers, payload: { address: `sub${i}@example.com` } });
    const link = new URL(smtp.mails.at(-1)!.parsed.text!.match(/https:\S+verify\?token=\S+/)![0]);
    t.equal((await app.inject({ method: 'GET', url: `${link.pathname}${link.search}` })).statusCode, 200);
  }
  const store = createPostgresEventStore(db);
  const events: NewEvent[] = [];
  for (const [type, data] of LIFE) {
    for (const subscriber of subscribers) {
      const event = subEvent(type, subscriber, creator, data);
      await store.append(`subscription-${subscriber}-${creator}`, [event]);
      events.push(event);
    }
  }

  for (const [dispatcher, name] of [['webhooks', WEBHOOK_DISPATCHER], ['email', EMAIL_DISPATCHER]] as const) {
    const crash = await crashMidBatch(db, database, dispatcher, 3);
    t.equal(crash.firstExit, 0, `${dispatcher}: one batch dispatched`);
    t.ok(crash.killedWaiting, `${dispatcher}: the second child wrote its batch and waited to move its checkpoint`);
    t.equal(crash.killedExit, null, `${dispatcher}: killed mid-batch`);
    t.equal(crash.lastExit, 0, `${dispatcher}: the restart ran to the end`);
    t.ok((await loadRelayCheckpoint(db, name))?.position, `${dispatcher}: its own checkpoint`);
  }
  t.equal(Number((await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n), events.length, 'one delivery row per event');
  t.equal(Number((await db.selectFrom('email_outbox').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n), SUBSCRIBERS * 3, 'one outbox row per (event, subscriber, kind) that calls for an email');

  await deliverUntil(db, testWorkerOptions({ timeoutMs: 5_000 }), () => receiver.received.length >= events.length);
  await emailAll(db, testSenderOptions(t, smtp.url));
  await sleep(100);
  t.equal(receiver.received.length, events.length, 'each webhook once');
  t.same(new Set(receiver.received.map((r) => r.eventId)), new Set(events.map((e) => e.id)), 'none lost');
  for (const webhook of receiver.received) t.equal((await verifyWebhook(webhook.body, webhook.headers['substream-signature'] as string, secret)).id, webhook.eventId);

  const notifications = smtp.mails.filter((m) => m.header('substream-notification') !== 'verify-address');
  t.equal(notifications.length, SUBSCRIBERS * 3, 'three emails a subscriber: active, payment failed, ended (none for the request)');
  for (const [i] of subscribers.entries()) {
    const mine = notifications.filter((m) => m.to.join() === `sub${i}@example.com`).map((m) => m.parsed.subject).sort();
    t.same(mine, EXPECTED_EMAILS, `sub${i}: each email exactly once`);
  }
});
