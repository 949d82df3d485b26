import fc from 'fast-check';
import t from 'tap';
import { isPlainViewEvent, parseViewBatch, ViewEventInput } from '../../commands/record-view-events.ts';

const nearlyValid = fc.record({
  contentId: fc.oneof(fc.constantFrom('ep-1', 'a', 'x'.repeat(200), 'x'.repeat(201), '', 'bad id', 'ép'), fc.string({ maxLength: 12 })),
  viewer: fc.option(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('', 'a\u0000b', 'v'.repeat(201))), { nil: undefined }),
  positionSeconds: fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -5, max: 700_000 }), fc.constant(Number.POSITIVE_INFINITY)),
  watchedSeconds: fc.oneof(fc.double({ min: -1, max: 90_000 }), fc.constant(Number.NaN)),
  at: fc.oneof(
    fc.date({ min: new Date(-1e14), max: new Date(1e14), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom('2026-02-29T00:00:00Z', '2028-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-11-01T24:00:00Z', '2026-11-01T00:00:60Z',
      '2026-11-01T00:00:00.1234Z', '2026-11-01T00:00:00+01:00', '2026-11-01', 'yesterday', '2026-13-01T00:00:00Z'),
  ),
}, { requiredKeys: ['contentId', 'positionSeconds', 'watchedSeconds', 'at'] });

t.test('the fast path accepts only what the zod schema accepts', async (t) => {
  t.ok(isPlainViewEvent({ contentId: 'ep-1', viewer: 'v', positionSeconds: 1.5, watchedSeconds: 1, at: '2026-11-01T00:00:00.000Z' }));
  t.notOk(isPlainViewEvent({ contentId: 'ep-1', positionSeconds: 1, watchedSeconds: 1, at: '2026-11-01T00:00:00+01:00' }), 'offsets go to zod');
  fc.assert(fc.property(fc.oneof(nearlyValid, nearlyValid.map((v) => ({ ...v, extra: 1 })), fc.anything()), (item) => {
    if (isPlainViewEvent(item)) return ViewEventInput.safeParse(item).success;
    return true;
  }), { numRuns: 20_000 });
  t.pass();
});

t.test('a batch parses the same with and without the fast path', async (t) => {
  fc.assert(fc.property(fc.array(nearlyValid, { maxLength: 20 }), (items) => {
    const parsed = parseViewBatch(items);
    const reference = items.map((item) => ViewEventInput.safeParse(item));
    if (parsed.ok) return reference.every((r) => r.success);
    const bad = new Set(parsed.bad.map((b) => b.index));
    return reference.every((r, i) => r.success === !bad.has(i));
  }), { numRuns: 5_000 });
  t.pass();
});
