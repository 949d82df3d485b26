import { createHmac } from 'node:crypto';

/** The header every delivery carries: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const SIGNATURE_HEADER = 'SubStream-Signature';

/**
 * The `SubStream-Signature` value of a body at `timestamp` (unix seconds): one `v1` per active
 * secret (during the 24 h after a rotation, the new one and the old one), Stripe's scheme, so a
 * receiver holding either secret verifies it.
 *
 * @example signatureHeader('{"id":"…"}', ['whsec_new', 'whsec_old'], 1764770000) // 't=1764770000,v1=ab…,v1=cd…'
 */
export function signatureHeader(body: string, secrets: readonly string[], timestamp: number): string {
  const signed = `${timestamp}.${body}`;
  const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`);
  return [`t=${timestamp}`, ...signatures].join(',');
}
