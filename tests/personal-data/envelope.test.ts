import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import { isEnvelope, open, seal } from '../../platform/personal-data/envelope.ts';
import { mapPersonalFields, PERSONAL_FIELDS } from '../../platform/personal-data/fields.ts';
import { generateMasterKey, parseMasterKey, unwrapDataKey, wrapDataKey } from '../../platform/personal-data/master-key.ts';

t.test('seal/open round-trips any string, deterministically, and a tampered envelope never opens', async (t) => {
  const key = randomBytes(32);
  const keyId = randomUUID();
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.string(), (plaintext, context) => {
    const envelope = seal(key, keyId, plaintext, context);
    if (!isEnvelope(envelope) || open(key, envelope) !== plaintext) return false;
    if (JSON.stringify(seal(key, keyId, plaintext, context)) !== JSON.stringify(envelope)) return false;
    if (plaintext.length > 0 && Buffer.from(envelope.ct, 'base64url').toString('utf8').includes(plaintext)) return false;
    const ct = Buffer.from(envelope.ct + 'AA', 'base64url');
    for (const tampered of [{ ...envelope, k: randomUUID() }, { ...envelope, ct: ct.toString('base64url') }, { ...envelope, tag: Buffer.alloc(16).toString('base64url') }]) {
      try {
        open(key, tampered);
        return false;
      } catch {
        // expected: GCM authentication fails
      }
    }
    return true;
  }), { numRuns: 200 });
  t.throws(() => open(randomBytes(32), seal(key, keyId, 'Ada', 'x')), 'another key does not open it');
});

t.test('data keys unwrap only with the master key that wrapped them, for the same key id and subject', async (t) => {
  const master = parseMasterKey(generateMasterKey());
  const other = parseMasterKey(generateMasterKey());
  const dataKey = randomBytes(32);
  const wrapped = wrapDataKey(master, 'k1', 'GA', dataKey);
  t.same(unwrapDataKey(new Map([[master.id, master], [other.id, other]]), 'k1', 'GA', wrapped), dataKey, 'unwraps with the right master among several');
  t.throws(() => unwrapDataKey(new Map([[other.id, other]]), 'k1', 'GA', wrapped), /does not hold/, 'a process without that master key refuses loudly');
  t.throws(() => unwrapDataKey(new Map([[master.id, master]]), 'k1', 'GB', wrapped), 'moved to another subject, it does not unwrap');
  t.throws(() => parseMasterKey(''), /empty/, 'an empty master key is refused');
  t.throws(() => parseMasterKey('c2hvcnQ='), /32 bytes/, 'a short one too');
});

t.test('every personal path of every event type is reached by the field walk, and nothing else is touched', async (t) => {
  for (const [type, spec] of Object.entries(PERSONAL_FIELDS)) {
    const data: Record<string, unknown> = { [spec.subject]: 'GSUBJECT', other: 'kept' };
    for (const path of spec.paths) {
      const steps = path.split('.');
      if (steps[1] === '*') data[steps[0]!] = [{ [steps[2]!]: `${path}-0`, other: 'kept' }, { [steps[2]!]: null }];
      else data[path] = path;
    }
    const seen: string[] = [];
    const mapped = mapPersonalFields(type, data, (value, context) => (seen.push(String(value)), `sealed:${context}`)) as Record<string, unknown>;
    t.same(seen.sort(), spec.paths.map((p) => (p.includes('*') ? `${p}-0` : p)).sort(), `${type}: each non-null personal value once`);
    t.equal(mapped.other, 'kept', `${type}: other fields untouched`);
    t.equal(mapped[spec.subject], 'GSUBJECT', `${type}: the subject stays in clear (it names the key)`);
    t.equal((data as { other: string }).other, 'kept', `${type}: the input is not mutated`);
  }
});
