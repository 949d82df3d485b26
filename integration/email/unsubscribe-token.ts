import { createHmac, timingSafeEqual } from 'node:crypto';

/** The key of unsubscribe tokens, derived from the service secret (never the secret itself). */
export const unsubscribeKey = (serviceSecret: string) => createHmac('sha256', serviceSecret).update('substream email unsubscribe v1').digest();

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest('base64url');

/**
 * A signed token naming a subject and a notification kind: `base64url(subject\nkind).mac`. It does
 * not expire (an unsubscribe link must keep working) and holds no address.
 *
 * @example const token = unsubscribeToken(key, 'GABC…', 'payment-failed');
 */
export function unsubscribeToken(key: Buffer, subject: string, kind: string): string {
  const body = Buffer.from(`${subject}\n${kind}`).toString('base64url');
  return `${body}.${mac(key, body)}`;
}

/**
 * The subject and kind of a token signed with `key`, or undefined when it is not one.
 *
 * @example readUnsubscribeToken(key, token) // { subject: 'GABC…', kind: 'payment-failed' }
 */
export function readUnsubscribeToken(key: Buffer, token: string): { subject: string; kind: string } | undefined {
  const [body, signature, ...rest] = token.split('.');
  if (!body || !signature || rest.length > 0) return undefined;
  const expected = Buffer.from(mac(key, body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const [subject, kind, ...extra] = Buffer.from(body, 'base64url').toString('utf8').split('\n');
  return subject && kind && extra.length === 0 ? { subject, kind } : undefined;
}
