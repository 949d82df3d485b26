import { sql } from 'kysely';
import t from 'tap';
import { createPostgresEventStore } from '../../../eventstore/postgres/store.ts';
import { deleteSubjectEmail } from '../../../integration/email/addresses.ts';
import { createDb } from '../../../platform/database.ts';
import { randomAccount, testApp } from '../../support/app.ts';
import { emailAll, LINK_BASE, testSenderOptions } from '../../support/email-flow.ts';
import { loginRoleUrl } from '../../support/login-roles.ts';
import { smtpCatcher } from '../../support/smtp-catcher.ts';
import { subEvent } from '../../support/subscription-events.ts';

const linkIn = (text: string, path: string) => new URL(text.match(new RegExp(`${LINK_BASE}${path}\\?token=[\\w.%-]+`))![0]);

t.test('verification, notifications to verified addresses only, one-click unsubscribe per kind, suppression after a hard bounce, erasure', async (t) => {
  const smtp = await smtpCatcher(t);
  const { app, token, database } = await testApp(t, { SMTP_URL: smtp.url, EMAIL_LINK_BASE_URL: LINK_BASE });
  // The dispatcher and sender as deployed: logged in as a member of substream_projector only.
  const db = createDb({ url: await loginRoleUrl('substream_projector', database.url), max: 4 });
  t.teardown(() => db.destroy());
  const options = testSenderOptions(t, smtp.url);
  const store = createPostgresEventStore(database.db);
  const creator = randomAccount();
  const subscriber = randomAccount();
  const me = { authorization: `Bearer ${await token(subscriber)}` };
  const append = (type: string, data: Record<string, unknown>) => store.append(`subscription-${subscriber}-${creator}`, [subEvent(type, subscriber, creator, data)]);

  t.equal((await app.inject({ method: 'GET', url: '/v1/me/email', headers: me })).json().code, 'EMAIL.NOT_FOUND');
  const set = await app.inject({ method: 'POST', url: '/v1/me/email', headers: me, payload: { address: 'ann@example.com' } });
  t.equal(set.statusCode, 202, set.body);
  t.same(set.json(), { address: 'ann@example.com', verified: false, unsubscribed: [] });
  t.equal(smtp.mails.length, 1, 'a verification email');
  const verification = smtp.mails[0]!;
  t.same(verification.to, ['ann@example.com']);
  t.equal(verification.parsed.subject, 'Confirm your email address');
  t.match(verification.parsed.from?.text, 'no-reply@substream.local');
  const verifyUrl = linkIn(verification.parsed.text!, '/v1/email/verify');
  t.ok(verification.parsed.html && (verification.parsed.html as string).includes(verifyUrl.href.replaceAll('&', '&amp;')), 'the HTML body holds the same link');
  t.equal(verification.header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click', 'RFC 8058 on every email, this one too');

  await append('SubscriptionActivated', { token: randomAccount(), ratePerSecond: '1', planId: null, activatedAt: '2026-11-01T00:01:00Z' });
  t.equal(await emailAll(db, options), 0, 'an unverified address gets nothing (no outbox row at all)');
  t.equal(smtp.mails.length, 1);

  t.equal((await app.inject({ method: 'GET', url: `${verifyUrl.pathname}${verifyUrl.search}` })).statusCode, 200, 'the link verifies');
  const again = await app.inject({ method: 'GET', url: `${verifyUrl.pathname}${verifyUrl.search}` });
  t.same([again.statusCode, again.json().code], [400, 'EMAIL.VERIFICATION_INVALID'], 'once only');
  t.same((await app.inject({ method: 'GET', url: '/v1/me/email', headers: me })).json(), { address: 'ann@example.com', verified: true, unsubscribed: [] });

  await append('GracePeriodStarted', { dunningStartedAt: '2026-11-02T00:00:00Z', graceEndsAt: '2026-11-05T00:00:00Z', merchantReferenceId: null });
  t.equal(await emailAll(db, options), 1);
  const failed = smtp.mails[1]!;
  t.same(failed.to, ['ann@example.com']);
  t.equal(failed.parsed.subject, 'A payment failed: your subscription is in its grace period');
  t.match(failed.parsed.text, new RegExp(`subscription to ${creator} failed.*2026-11-05T00:00:00Z`, 's'));
  t.match(failed.parsed.html, /<strong>2026-11-05T00:00:00Z<\/strong>/);
  t.equal(failed.header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
  const unsubscribe = new URL(failed.header('list-unsubscribe')!.replace(/^<|>$/g, ''));
  t.equal(`${unsubscribe.origin}${unsubscribe.pathname}`, `${LINK_BASE}/v1/email/unsubscribe`);
  t.equal(failed.header('substream-notification'), 'payment-failed');

  const page = await app.inject({ method: 'GET', url: `${unsubscribe.pathname}${unsubscribe.search}` });
  t.equal(page.statusCode, 200, 'the link opened in a browser shows a page');
  t.match(page.body, /<form method="post" action="\?token=[^"]+"><input type="hidden" name="List-Unsubscribe" value="One-Click">/, 'whose button sends the one-click POST');
  t.same((await app.inject({ method: 'GET', url: '/v1/me/email', headers: me })).json().unsubscribed, [], 'opening it unsubscribes nothing (link scanners GET it)');
  t.match(failed.parsed.text, unsubscribe.href, 'the text body links to it too');
  const tampered = await app.inject({ method: 'POST', url: `${unsubscribe.pathname}?token=${unsubscribe.searchParams.get('token')!.slice(0, -2)}xx`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
  t.same([tampered.statusCode, tampered.json().code], [400, 'EMAIL.UNSUBSCRIBE_INVALID'], 'a forged token is refused');
  const oneClick = await app.inject({ method: 'POST', url: `${unsubscribe.pathname}${unsubscribe.search}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
  t.same([oneClick.statusCode, oneClick.json()], [200, { unsubscribed: 'payment-failed' }], 'the mail client’s one-click POST unsubscribes, without logging in');
  await append('GracePeriodStarted', { dunningStartedAt: '2026-12-02T00:00:00Z', graceEndsAt: '2026-12-05T00:00:00Z', merchantReferenceId: null });
  await append('SubscriptionCancelled', { refundAmount: '0', cancelledAt: '2026-12-06T00:00:00Z' });
  await emailAll(db, options);
  t.same(smtp.mails.slice(2).map((m) => m.parsed.subject), ['Your subscription has ended'], 'that kind no more, the others still');
  t.same((await app.inject({ method: 'GET', url: '/v1/me/email', headers: me })).json().unsubscribed, ['payment-failed']);
  const skipped = await database.db.selectFrom('email_outbox').select(['kind', 'status', 'last_error']).where('status', '=', 'skipped').execute();
  t.same(skipped, [{ kind: 'payment-failed', status: 'skipped', last_error: 'unsubscribed' }]);

  const logged = await sql<{ n: number }>`select count(*)::int as n from events where data::text ilike '%example.com%' or metadata::text ilike '%example.com%'`.execute(database.db);
  t.equal(logged.rows[0]!.n, 0, 'no address in the event log');

  t.equal((await app.inject({ method: 'DELETE', url: '/v1/me/email', headers: me })).statusCode, 204);
  t.equal((await app.inject({ method: 'GET', url: '/v1/me/email', headers: me })).statusCode, 404, 'erased');
  t.notOk(await database.db.selectFrom('email_unsubscribes').select('kind').where('subject', '=', subscriber).executeTakeFirst(), 'with its choices');
  t.equal(await deleteSubjectEmail(database.db, subscriber), false, 'deleteSubjectEmail: nothing left to erase');
});

t.test('a hard bounce (5xx) suppresses the address; a 4xx is retried later with backoff; an expired link does not verify', async (t) => {
  const smtp = await smtpCatcher(t);
  const { app, token, database } = await testApp(t, { SMTP_URL: smtp.url, EMAIL_LINK_BASE_URL: LINK_BASE });
  const { db } = database;
  const options = testSenderOptions(t, smtp.url);
  const store = createPostgresEventStore(db);
  const creator = randomAccount();
  const verified = async (address: string) => {
    const subject = randomAccount();
    const headers = { authorization: `Bearer ${await token(subject)}` };
    t.equal((await app.inject({ method: 'POST', url: '/v1/me/email', headers, payload: { address } })).statusCode, 202);
    const url = linkIn(smtp.mails.at(-1)!.parsed.text!, '/v1/email/verify');
    t.equal((await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` })).statusCode, 200);
    return { subject, headers };
  };
  const cancel = (subject: string) => store.append(`subscription-${subject}-${creator}`, [subEvent('SubscriptionCancelled', subject, creator, { refundAmount: '0', cancelledAt: '2026-12-06T00:00:00Z' })]);

  // Accepted at verification time, refused (550) later: the mailbox was closed since.
  const carl = await verified('carl@example.com');
  smtp.bounce.add('carl@example.com');
  await cancel(carl.subject);
  await emailAll(db, options);
  const bounced = await db.selectFrom('email_outbox').selectAll().where('subject', '=', carl.subject).executeTakeFirstOrThrow();
  t.match(bounced, { status: 'failed', attempts: 1, last_error: 'hard bounce: SMTP 550' });
  t.notMatch(bounced.last_error, /carl/, 'the error kept holds no address');
  await cancel(carl.subject);
  await emailAll(db, options);
  t.same(smtp.refused, ['carl@example.com'], 'a suppressed address is not tried again');
  t.match(await db.selectFrom('email_outbox').selectAll().where('subject', '=', carl.subject).where('status', '=', 'skipped').executeTakeFirstOrThrow(), { last_error: 'suppressed (hard bounce)' });
  const resubmitted = await app.inject({ method: 'POST', url: '/v1/me/email', headers: carl.headers, payload: { address: 'Carl@Example.com' } });
  t.same([resubmitted.statusCode, resubmitted.json().code], [422, 'EMAIL.SUPPRESSED'], 'and cannot be set again (case aside)');

  const dora = await verified('dora@example.com');
  smtp.tempfail.add('dora@example.com');
  await cancel(dora.subject);
  await emailAll(db, options);
  const later = await db.selectFrom('email_outbox').selectAll().where('subject', '=', dora.subject).executeTakeFirstOrThrow();
  t.match(later, { status: 'pending', attempts: 1, last_error: 'SMTP 451' });
  const waitMs = later.next_attempt_at.getTime() - Date.now();
  t.ok(waitMs > 20_000 && waitMs <= 60_000, `retried after the backoff (${waitMs} ms)`);
  smtp.tempfail.delete('dora@example.com');
  await db.updateTable('email_outbox').set({ next_attempt_at: new Date(0) }).where('id', '=', later.id).execute();
  await emailAll(db, options);
  t.match(await db.selectFrom('email_outbox').selectAll().where('id', '=', later.id).executeTakeFirstOrThrow(), { status: 'sent', attempts: 2 });

  const eve = { authorization: `Bearer ${await token(randomAccount())}` };
  await app.inject({ method: 'POST', url: '/v1/me/email', headers: eve, payload: { address: 'eve@example.com' } });
  const url = linkIn(smtp.mails.at(-1)!.parsed.text!, '/v1/email/verify');
  await db.updateTable('email_addresses').set({ verify_expires_at: new Date(Date.now() - 1000) }).where('address', '=', 'eve@example.com').execute();
  t.equal((await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` })).statusCode, 400, 'an expired link does not verify');
  t.equal((await app.inject({ method: 'GET', url: '/v1/me/email', headers: eve })).json().verified, false);

  const bad = await app.inject({ method: 'POST', url: '/v1/me/email', headers: eve, payload: { address: 'not an address' } });
  t.same([bad.statusCode, bad.json().code], [400, 'VALIDATION.FAILED'], 'bad input is a 400 in the one error shape');
});

t.test('email off (no SMTP_URL): setting an address is a clear 422, never a 5xx', async (t) => {
  const { app, token } = await testApp(t);
  const answer = await app.inject({ method: 'POST', url: '/v1/me/email', headers: { authorization: `Bearer ${await token(randomAccount())}` }, payload: { address: 'ann@example.com' } });
  t.same([answer.statusCode, answer.json().code], [422, 'EMAIL.OFF']);
});
