import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { requireSecret } from '../secrets.ts';

/** A key-encryption key: 32 bytes, named by the first 8 bytes (hex) of its SHA-256. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/**
 * Reads PII_MASTER_KEY: 32 bytes as base64 or base64url (`openssl rand -base64 32`). An empty
 * value is refused, like every other secret.
 *
 * @example const master = parseMasterKey(config.PII_MASTER_KEY);
 */
export function parseMasterKey(text: string, name = 'PII_MASTER_KEY'): MasterKey {
  const key = Buffer.from(requireSecret(name, text).trim(), 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes in base64 (openssl rand -base64 32), not ${key.length} bytes`);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/** A fresh random master key as PII_MASTER_KEY takes it: what DATA_DIR gets outside production. */
export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

const aad = (keyId: string, subject: string) => Buffer.from(`${keyId}\u0000${subject}`);

/**
 * Wraps a data key under the master key (AES-256-GCM, the key id and subject as additional data):
 * `<master id>.<iv>.<ciphertext>.<tag>`, base64url parts.
 *
 * @example const wrapped = wrapDataKey(master, keyId, 'G…', dataKey);
 */
export function wrapDataKey(master: MasterKey, keyId: string, subject: string, dataKey: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv);
  cipher.setAAD(aad(keyId, subject));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return [master.id, iv, ct, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/**
 * Unwraps a data key with whichever of `masters` wrapped it. Throws when none did (a missing
 * PII_MASTER_KEY or previous key) or the row does not verify: a configuration error, never to be
 * mistaken for an erasure.
 *
 * @example const dataKey = unwrapDataKey(masters, keyId, 'G…', wrapped);
 */
export function unwrapDataKey(masters: ReadonlyMap<string, MasterKey>, keyId: string, subject: string, wrapped: string): Buffer {
  const [masterId, iv, ct, tag] = wrapped.split('.');
  const master = masters.get(masterId ?? '');
  if (!master || !iv || !ct || !tag) throw new Error(`data key ${keyId} is wrapped by master key ${masterId}, which this process does not hold (PII_MASTER_KEY, PII_PREVIOUS_MASTER_KEYS)`);
  const decipher = createDecipheriv('aes-256-gcm', master.key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(aad(keyId, subject));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
}
