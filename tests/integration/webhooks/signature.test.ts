import fc from 'fast-check';
import t from 'tap';
import { retryDelayMs } from '../../../integration/webhooks/backoff.ts';
import { signatureHeader } from '../../../integration/webhooks/signature.ts';
import { verifyWebhook, WebhookSignatureError } from '../../../sdk/src/webhooks.ts';

const RUNS = Number(process.env.WEBHOOK_PROPERTY_RUNS ?? 300);
const reasonOf = (promise: Promise<unknown>) => promise.then(() => 'verified', (error: unknown) => (error instanceof WebhookSignatureError ? error.reason : `other: ${error}`));

t.test('the server’s signature verifies with the SDK helper for any JSON body, and any change to body, time or secret fails', async (t) => {
  const body = fc.jsonValue().map((value) => JSON.stringify({ id: 'e', data: value }));
  const secret = fc.string({ minLength: 1, maxLength: 60 }).map((s) => `whsec_${s}`);
  await fc.assert(fc.asyncProperty(body, secret, fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }), async (payload, key, now) => {
    const header = signatureHeader(payload, [key], now);
    if ((await reasonOf(verifyWebhook(payload, header, key, { nowSeconds: now }))) !== 'verified') return false;
    if ((await reasonOf(verifyWebhook(new TextEncoder().encode(payload), header, key, { nowSeconds: now + 300 }))) !== 'verified') return false;
    if ((await reasonOf(verifyWebhook(`${payload} `, header, key, { nowSeconds: now }))) !== 'signature') return false;
    if ((await reasonOf(verifyWebhook(payload, header, `${key}x`, { nowSeconds: now }))) !== 'signature') return false;
    if ((await reasonOf(verifyWebhook(payload, header.replace(`t=${now}`, `t=${now + 1}`), key, { nowSeconds: now }))) !== 'signature') return false;
    return (await reasonOf(verifyWebhook(payload, header, key, { nowSeconds: now + 301 }))) === 'timestamp'
      && (await reasonOf(verifyWebhook(payload, header, key, { nowSeconds: now - 301 }))) === 'timestamp';
  }), { numRuns: RUNS });
  t.pass(`${RUNS} bodies, secrets and times`);
});

t.test('during a rotation either secret verifies; malformed headers are refused as such', async (t) => {
  const header = signatureHeader('{"id":"e"}', ['whsec_new', 'whsec_old'], 1_800_000_000);
  t.match(header, /^t=1800000000,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
  for (const secret of ['whsec_new', 'whsec_old']) t.equal((await verifyWebhook('{"id":"e"}', header, secret, { nowSeconds: 1_800_000_000 })).id, 'e', secret);
  t.equal(await reasonOf(verifyWebhook('{"id":"e"}', header, 'whsec_other', { nowSeconds: 1_800_000_000 })), 'signature');
  for (const bad of ['', 'v1=abcd', 't=1800000000', 't=abc,v1=00', 't=1800000000,v1=xyz', 't=1800000000,v0=' + '0'.repeat(64)]) {
    t.equal(await reasonOf(verifyWebhook('{"id":"e"}', bad, 'whsec_new', { nowSeconds: 1_800_000_000 })), 'header', JSON.stringify(bad));
  }
});

t.test('backoff doubles from the base up to the cap, with half of it jittered', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 10_000_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (failures, baseMs, capMs, random) => {
    const maxMs = Math.max(baseMs, capMs);
    const nominal = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 40));
    const delay = retryDelayMs(failures, { baseMs, maxMs }, () => random);
    return delay >= Math.floor(nominal / 2) && delay <= nominal && delay <= maxMs;
  }), { numRuns: RUNS * 10 });
  t.equal(retryDelayMs(1, { baseMs: 1000, maxMs: 60_000 }, () => 0), 500, 'first retry: half the base at least');
  t.equal(retryDelayMs(3, { baseMs: 1000, maxMs: 60_000 }, () => 0.999_999), 4000, 'third: four times the base at most');
  t.equal(retryDelayMs(30, { baseMs: 1000, maxMs: 60_000 }, () => 0.999_999), 60_000, 'capped');
});
