import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addressMarker, deleteSubjectEmail, getSubjectEmail, setSubjectEmail, verificationWait, verifySubjectEmail } from '../../integration/email/addresses.ts';
import { smtpMailer } from '../../integration/email/mailer.ts';
import { notificationEmail } from '../../integration/email/message.ts';
import { NOTIFICATION_KINDS } from '../../integration/email/notifications.ts';
import { readUnsubscribeToken, unsubscribeKey } from '../../integration/email/unsubscribe-token.ts';
import { principalOf } from '../auth/principal.ts';
import { ApiError } from '../errors.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { errorResponses } from '../schemas/common.ts';

const EmailView = z.object({
  address: z.string(),
  verified: z.boolean(),
  unsubscribed: z.array(z.enum(NOTIFICATION_KINDS)).describe('Notification kinds this subject turned off'),
}).meta({ id: 'EmailAddress' });
const TokenQuery = z.object({ token: z.string().min(1).max(1000) });

/**
 * The caller's notification email address (`/v1/me/email`: set → verification email, read,
 * erase) and the public links in emails (verify, RFC 8058 one-click unsubscribe).
 */
const email: FastifyPluginAsyncZod = async (app) => {
  const { db, config, jwtSecret } = app.services;
  // Personal data of the caller, like /v1/me/data: a wallet or creator token, or a key holding admin:all.
  const mine = { policy: { auth: 'required', scopes: ['admin:all'] } satisfies RoutePolicy };
  const link = { policy: { auth: 'public' } satisfies RoutePolicy };
  const security = [{ bearer: [] }];
  const tags = ['email'];
  const mailer = config.SMTP_URL ? smtpMailer(config.SMTP_URL, config.EMAIL_FROM) : undefined;
  if (mailer) app.addHook('onClose', async () => mailer.close());
  const links = { baseUrl: config.EMAIL_LINK_BASE_URL, unsubscribeKey: unsubscribeKey(jwtSecret) };
  // RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` as a form.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const view = async (subject: string) => {
    const row = await getSubjectEmail(db, subject);
    if (!row) return undefined;
    const off = await db.selectFrom('email_unsubscribes').select('kind').where('subject', '=', subject).orderBy('kind').execute();
    return { address: row.address, verified: row.verified_at !== null, unsubscribed: off.map((r) => r.kind as (typeof NOTIFICATION_KINDS)[number]) };
  };

  app.post('/me/email', {
    config: mine,
    schema: {
      tags, security,
      description: 'Sets the address notifications go to and sends it a verification link (one use, expiring); nothing else is sent to it until verified.',
      body: z.object({ address: z.email().max(254) }),
      response: { 202: EmailView, ...errorResponses },
    },
  }, async (request, reply) => {
    if (!mailer) throw new ApiError(422, 'EMAIL.OFF', 'email is off on this server (SMTP_URL is unset)');
    const subject = principalOf(request).address;
    const { address } = request.body;
    if (await db.selectFrom('email_suppressions').select('address_hash').where('address_hash', '=', addressMarker(address)).executeTakeFirst()) {
      throw new ApiError(422, 'EMAIL.SUPPRESSED', 'mail to this address bounced: use another one');
    }
    if (await db.selectFrom('email_unsubscribes').select('kind').where('subject', '=', subject).where('kind', '=', 'verify-address').executeTakeFirst()) {
      throw new ApiError(422, 'EMAIL.UNSUBSCRIBED', 'verification emails for this account were unsubscribed from');
    }
    const wait = await verificationWait(db, subject, address);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new ApiError(429, 'EMAIL.VERIFY_THROTTLED', `a verification link was sent recently: retry in ${wait} s`, { retryAfterSeconds: wait });
    }
    const { token, row } = await setSubjectEmail(db, subject, address, config.EMAIL_VERIFY_TTL_SECONDS);
    const verifyUrl = new URL('/v1/email/verify', config.EMAIL_LINK_BASE_URL);
    verifyUrl.searchParams.set('token', token);
    const { email: message, headers } = notificationEmail(links, subject, 'verify-address', { verifyUrl: verifyUrl.href, expiresAt: row.verify_expires_at!.toISOString() });
    const sent = await mailer.send(address, message, headers);
    if (!sent.ok) throw new ApiError(sent.permanent ? 422 : 502, sent.permanent ? 'EMAIL.REFUSED' : 'EMAIL.SEND_FAILED', `the verification email could not be sent (${sent.error})`);
    return reply.code(202).send((await view(subject))!);
  });

  app.get('/me/email', {
    config: mine,
    schema: { tags, security, response: { 200: EmailView, ...errorResponses } },
  }, async (request) => {
    const shown = await view(principalOf(request).address);
    if (!shown) throw new ApiError(404, 'EMAIL.NOT_FOUND', 'no email address is set');
    return shown;
  });

  app.delete('/me/email', {
    config: mine,
    schema: { tags, security, description: 'Erases the address, its unsubscribe choices and the emails not yet sent to it.', response: { 204: z.null(), ...errorResponses } },
  }, async (request, reply) => {
    if (!(await deleteSubjectEmail(db, principalOf(request).address))) throw new ApiError(404, 'EMAIL.NOT_FOUND', 'no email address is set');
    return reply.code(204).send(null);
  });

  app.get('/email/verify', {
    config: link,
    schema: { tags, description: 'The link in a verification email: verifies the address (once, before it expires).', querystring: TokenQuery, response: { 200: z.object({ verified: z.literal(true) }), ...errorResponses } },
  }, async (request) => {
    if (!(await verifySubjectEmail(db, request.query.token))) {
      throw new ApiError(400, 'EMAIL.VERIFICATION_INVALID', 'this verification link is unknown, used or expired: ask for a new one');
    }
    return { verified: true as const };
  });

  // The link in an email's body opens in a browser: GET only shows a button (link scanners
  // prefetch GETs), the POST it sends is the one-click unsubscribe.
  app.get('/email/unsubscribe', {
    config: link,
    schema: { tags, description: 'The unsubscribe link opened in a browser: a page whose button sends the one-click POST.', querystring: TokenQuery, response: { 200: z.string(), ...errorResponses } },
  }, async (request, reply) => {
    const named = readUnsubscribeToken(links.unsubscribeKey, request.query.token);
    if (!named) throw new ApiError(400, 'EMAIL.UNSUBSCRIBE_INVALID', 'this unsubscribe link is not valid');
    const action = `?token=${encodeURIComponent(request.query.token)}`.replace(/&/g, '&amp;');
    return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; form-action 'self'")
      .send(`<!doctype html><meta charset="utf-8"><title>Unsubscribe</title><form method="post" action="${action}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button>Stop these emails</button></form>`);
  });

  app.post('/email/unsubscribe', {
    config: link,
    schema: {
      tags,
      description: 'RFC 8058 one-click unsubscribe (the List-Unsubscribe link of every email): turns off that kind of email for its recipient.',
      querystring: TokenQuery,
      response: { 200: z.object({ unsubscribed: z.enum(NOTIFICATION_KINDS) }), ...errorResponses },
    },
  }, async (request) => {
    const named = readUnsubscribeToken(links.unsubscribeKey, request.query.token);
    const kind = NOTIFICATION_KINDS.find((k) => k === named?.kind);
    if (!named || !kind) throw new ApiError(400, 'EMAIL.UNSUBSCRIBE_INVALID', 'this unsubscribe link is not valid');
    await db.insertInto('email_unsubscribes').values({ subject: named.subject, kind }).onConflict((oc) => oc.doNothing()).execute();
    return { unsubscribed: kind };
  });
};

export default email;
