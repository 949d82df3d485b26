import t from 'tap';
import fc from 'fast-check';
import { isAtOrAfter } from '../../../domain/shared/time.ts';

/** One instant written as events may carry it: UTC with 0, 3 or 6 fractional digits, or with an offset. */
const written = fc.record({
  ms: fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) }),
  shape: fc.constantFrom('seconds', 'millis', 'micros', 'offset'),
}).map(({ ms, shape }) => {
  const iso = new Date(ms).toISOString();
  if (shape === 'seconds') return iso.slice(0, 19) + 'Z';
  if (shape === 'micros') return iso.slice(0, 23) + '417Z';
  if (shape === 'offset') return new Date(ms + 3_600_000).toISOString().slice(0, 23) + '+01:00';
  return iso;
});

t.test('isAtOrAfter orders instants as Date.parse does, whatever their shape', async (t) => {
  let cases = 0;
  fc.assert(
    fc.property(written, written, (a, b) => {
      cases += 1;
      return isAtOrAfter(a, b) === Date.parse(a) >= Date.parse(b);
    }),
    { numRuns: 5_000 },
  );
  t.equal(cases, 5_000);
  t.ok(isAtOrAfter('2026-01-01T00:00:01Z', '2026-01-01T00:00:00.500Z'), 'different precisions');
  t.notOk(isAtOrAfter('2026-01-01T00:30:00+01:00', '2026-01-01T00:00:00.000Z'), 'an offset is not compared as text');
  t.ok(isAtOrAfter('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'), 'the same instant');
});
