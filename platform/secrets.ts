import { Keypair } from '@stellar/stellar-sdk';
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * `value`, or an error naming `name` when it is empty or blank: an HMAC or JWT key of "" signs
 * and verifies happily, so every key is made through this check.
 *
 * @example const key = requireSecret('JWT_SECRET', config.JWT_SECRET ?? generated);
 */
export function requireSecret(name: string, value: string): string {
  if (value.trim().length === 0) throw new Error(`${name} is empty: refusing to sign or hash with an empty key`);
  return value;
}

async function readSecret(file: string, name: string): Promise<string | null> {
  try {
    return requireSecret(`the secret ${name} in ${file}`, (await readFile(file, 'utf8')).trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Reads a secret kept in the data directory, generating it on first use: the embedded default's
 * way to have stable secrets without configuration. The value is written whole to a private
 * temporary file (0600, fsynced) and then hard-linked to its name, which fails if the name exists:
 * the name never shows a partial file, and processes starting at once (a PM2 cluster) all end up
 * with the first link's value. A stored secret that is empty is refused, not used.
 *
 * @example const secret = await localSecret('.substream', 'jwt-secret');
 */
export async function localSecret(dataDir: string, name: string, bytes = 32, generate = () => randomBytes(bytes).toString('base64url')): Promise<string> {
  const file = resolve(dataDir, name);
  const stored = await readSecret(file, name);
  if (stored !== null) return stored;
  await mkdir(dataDir, { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${requireSecret(name, generate())}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
  const secret = await readSecret(file, name);
  if (secret === null) throw new Error(`the secret ${name} vanished from ${file} while it was generated`);
  return secret;
}

/**
 * A Stellar secret seed (S…) kept in the data directory, generated on first use: the embedded
 * default's SEP-10 signing key.
 *
 * @example const seed = await localStellarSecret('.substream', 'sep10-signing-secret');
 */
export async function localStellarSecret(dataDir: string, name: string): Promise<string> {
  return localSecret(dataDir, name, 32, () => Keypair.random().secret());
}
