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
export async function localSecret(dataDir: string, name: string, bytes = 32): Promise<string> {
  const file = resolve(dataDir, name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(bytes).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
