import { Keypair } from '@stellar/stellar-sdk';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * Reads a secret kept in the data directory, generating it on first use: the embedded default's
 * way to have stable secrets without configuration.
 *
 * @example const secret = await localSecret('.substream', 'jwt-secret');
 */
export async function localSecret(dataDir: string, name: string, bytes = 32, generate = () => randomBytes(bytes).toString('base64url')): Promise<string> {
  const file = resolve(dataDir, name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const secret = generate();
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return (await readFile(file, 'utf8')).trim();
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
