import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

/** What a personal field reads as once its subject's key is shredded. */
export const ERASED = '[erased]';

/**
 * A personal field as stored in the event log, in place of its clear string: version 1 is
 * AES-256-GCM under the data key `k` (personal_data_keys.key_id), with its 96-bit `iv`, the
 * ciphertext `ct` and the 128-bit `tag`, all base64url. The key id is the additional
 * authenticated data: an envelope moved under another key does not open.
 */
export interface Envelope {
  $pii: 1;
  k: string;
  iv: string;
  ct: string;
  tag: string;
}

export function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.$pii === 1 && typeof v.k === 'string' && typeof v.iv === 'string' && typeof v.ct === 'string' && typeof v.tag === 'string';
}

/**
 * Encrypts `plaintext` under a subject's data key. The IV is synthetic (an HMAC of the field's
 * `context` and the plaintext under the data key): the same event sealed twice is byte-identical,
 * which keeps the event store's idempotent re-append (same id, same data) working, and two
 * different plaintexts never share an IV in practice.
 *
 * @example const envelope = seal(key, keyId, 'Ada', 'CreatorRegistered/displayName');
 */
export function seal(key: Buffer, keyId: string, plaintext: string, context: string): Envelope {
  const iv = createHmac('sha256', key).update(`iv\u0000${context}\u0000${plaintext}`).digest().subarray(0, 12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(keyId));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { $pii: 1, k: keyId, iv: iv.toString('base64url'), ct: ct.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
}

/**
 * Decrypts an envelope with its data key. Throws when the tag does not verify (a corrupted row or
 * a wrong key): that is an error to see, unlike a shredded key, which the caller maps to `ERASED`.
 *
 * @example open(key, envelope) // 'Ada'
 */
export function open(key: Buffer, envelope: Envelope): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64url'));
  decipher.setAAD(Buffer.from(envelope.k));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64url')), decipher.final()]).toString('utf8');
}
