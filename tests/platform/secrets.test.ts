import { execFile } from 'node:child_process';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { StrKey } from '@stellar/stellar-sdk';
import t from 'tap';
import { hashApiKey } from '../../api/auth/api-keys.ts';
import { localSecret, localStellarSecret, requireSecret } from '../../platform/secrets.ts';
import { createTokenVerifier } from '../../platform/token-verifier.ts';
import { signToken, verifyToken } from '../../platform/tokens.ts';

const run = promisify(execFile);
const SECRETS = resolve(import.meta.dirname, '../../platform/secrets.ts');
const freshDir = () => mkdtemp(join(tmpdir(), 'substream-secrets-'));

t.test('concurrent generations in one process converge on one complete value, 0600, no temp file left', async (t) => {
  for (let round = 0; round < 5; round += 1) {
    const dir = join(await freshDir(), 'data');
    const values = await Promise.all(Array.from({ length: 16 }, () => localSecret(dir, 'jwt-secret')));
    t.equal(new Set(values).size, 1, `round ${round}: one value`);
    t.equal(values[0]!.length, 43, `round ${round}: 32 random bytes in base64url, never a half-written read (got ${JSON.stringify(values.find((v) => v.length !== 43))})`);
    t.same(await readdir(dir), ['jwt-secret'], 'only the secret in the directory');
    t.equal((await stat(join(dir, 'jwt-secret'))).mode & 0o777, 0o600);
  }
});

/** A thread that reads `dir/s<i>` (i = shared[0]) in a tight loop until shared[1] is set, counting reads that are not a whole secret. */
const OBSERVER = `
const { workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const s = workerData.shared;
while (Atomics.load(s, 1) === 0) {
  try {
    if (readFileSync(workerData.dir + '/s' + Atomics.load(s, 0), 'utf8').trim().length !== 43) Atomics.add(s, 2, 1);
  } catch {}
}`;

t.test('another reader never sees a half-written secret at its path (the race of a PM2 cluster)', async (t) => {
  const dir = await freshDir();
  const shared = new Int32Array(new SharedArrayBuffer(12));
  const observer = new Worker(OBSERVER, { eval: true, workerData: { shared, dir } });
  const exited = new Promise((done) => observer.on('exit', done));
  for (let i = 0; i < 500; i += 1) {
    Atomics.store(shared, 0, i);
    await localSecret(dir, `s${i}`);
  }
  Atomics.store(shared, 1, 1);
  await exited;
  t.equal(shared[2], 0, 'reads of an empty or partial file while 500 secrets were generated');
});

t.test('processes starting at once (a PM2 cluster) converge on one value', async (t) => {
  const dir = join(await freshDir(), 'data');
  const script = `const { localSecret } = await import(${JSON.stringify(SECRETS)}); process.stdout.write(await localSecret(${JSON.stringify(dir)}, 'api-key-pepper'));`;
  const outputs = await Promise.all(Array.from({ length: 6 }, () => run(process.execPath, ['--input-type=module', '-e', script])));
  const values = outputs.map((output) => output.stdout);
  t.equal(new Set(values).size, 1, 'every process read the same secret');
  t.equal(values[0]!.length, 43);
});

t.test('a Stellar seed is generated the same way', async (t) => {
  const dir = await freshDir();
  const seeds = await Promise.all(Array.from({ length: 8 }, () => localStellarSecret(dir, 'sep10-signing-secret')));
  t.equal(new Set(seeds).size, 1);
  t.ok(StrKey.isValidEd25519SecretSeed(seeds[0]!));
});

t.test('an empty secret is refused everywhere a key is made from one', async (t) => {
  const dir = await freshDir();
  await writeFile(join(dir, 'jwt-secret'), '\n', { mode: 0o600 });
  await t.rejects(localSecret(dir, 'jwt-secret'), /jwt-secret.*empty/, 'an empty stored secret stops start-up instead of signing with ""');
  t.throws(() => requireSecret('JWT_SECRET', ''), /JWT_SECRET.*empty/);
  t.throws(() => requireSecret('JWT_SECRET', '   '), /JWT_SECRET.*empty/);
  t.equal(requireSecret('JWT_SECRET', 'x'.repeat(32)), 'x'.repeat(32));
  t.throws(() => createTokenVerifier(''), /empty/, 'token verifier');
  await t.rejects(signToken('', { sub: 'G' }, 60), /empty/, 'token signing');
  await t.rejects(verifyToken('', 'a.b.c'), /empty/, 'token verification');
  t.throws(() => hashApiKey('', 'sk_test_x'), /empty/, 'API key HMAC');
});
