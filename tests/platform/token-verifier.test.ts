import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import t from 'tap';
import { createTokenVerifier } from '../../platform/token-verifier.ts';
import { signToken } from '../../platform/tokens.ts';

const secret = randomBytes(32).toString('hex');
const sub = 'GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H';
const tenant = 'GCEZWKCA5VLDNRLN3RPRJMRZOX3Z6G5CHCGSNFHEYVXM3XOJMDS674JZ';

t.test('a verified token is remembered: the same claims object until its exp', async (t) => {
  let clock = Date.now();
  const verifier = createTokenVerifier(secret, { now: () => clock });
  const token = await signToken(secret, { sub, tenant }, 60);
  const first = await verifier.verify(token);
  t.same(first, { sub, tenant, exp: first.exp });
  t.ok(first.exp && first.exp * 1000 > Date.now(), 'the exp is kept with the claims');
  t.equal(await verifier.verify(token), first, 'the second call is a cache hit');
  clock += 61_000;
  await t.rejects(verifier.verify(token), { name: 'InvalidToken', reason: 'expired' }, 'refused at exp, from the cache (jose itself would still accept it now)');
  clock = Date.now();
  const again = await verifier.verify(token);
  t.not(again, first, 'the expired entry was dropped: verified afresh');
  t.same(again, { sub, tenant, exp: again.exp });
});

t.test('refused tokens are never remembered', async (t) => {
  const verifier = createTokenVerifier(secret);
  const other = await signToken(randomBytes(32).toString('hex'), { sub }, 60);
  const expired = await signToken(secret, { sub }, -10);
  const noSubject = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1m').sign(Buffer.from(secret));
  const notYet = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setNotBefore('1h').sign(Buffer.from(secret));
  for (const [token, reason] of [[other, 'invalid'], [expired, 'expired'], [noSubject, 'invalid'], [notYet, 'invalid'], ['not.a.jwt', 'invalid']] as const) {
    for (let i = 0; i < 2; i++) await t.rejects(verifier.verify(token), { name: 'InvalidToken', reason }, `${reason}, call ${i + 1}`);
  }
});

t.test('bounded: the least recently used token goes first; 0 keeps none', async (t) => {
  const verifier = createTokenVerifier(secret, { maxEntries: 2 });
  const [a, b, c] = await Promise.all([1, 2, 3].map((i) => signToken(secret, { sub: `${sub.slice(0, -1)}${i}` }, 60)));
  const claimsA = await verifier.verify(a!);
  const claimsB = await verifier.verify(b!);
  t.equal(await verifier.verify(a!), claimsA, 'a is used again: b is now the oldest');
  await verifier.verify(c!);
  t.equal(await verifier.verify(a!), claimsA, 'a kept');
  t.not(await verifier.verify(b!), claimsB, 'b dropped: verified afresh');

  const uncached = createTokenVerifier(secret, { maxEntries: 0 });
  const once = await uncached.verify(a!);
  const twice = await uncached.verify(a!);
  t.not(twice, once, 'every call verifies');
  t.same(twice, once);
});
