import { Readable } from 'node:stream';
import t from 'tap';
import fc from 'fast-check';
import { pickJsonValues, type JsonPath } from '../../../indexer/sources/json-stream.ts';

/** What `pickJsonValues` must yield: the picked values of the parsed document, in document order. */
function reference(value: unknown, pick: (path: JsonPath) => boolean, path: JsonPath = []): { path: JsonPath; value: unknown }[] {
  if (pick(path)) return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => reference(v, pick, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => reference(v, pick, [...path, k]));
  return [];
}

async function collect(text: string, cuts: number[], pick: (path: JsonPath) => boolean) {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks = [0, ...points, text.length].slice(1).map((end, i, ends) => text.slice(i === 0 ? 0 : ends[i - 1], end));
  const out: { path: JsonPath; value: unknown }[] = [];
  for await (const item of pickJsonValues(Readable.from(chunks.filter((c) => c !== '')), pick)) out.push(item);
  return out;
}

const picks: [string, (path: JsonPath) => boolean][] = [
  ['top-level array elements', (p) => p.length === 1],
  ['depth 2', (p) => p.length === 2],
  ['every key named "a"', (p) => p[p.length - 1] === 'a'],
  ['the root', (p) => p.length === 0],
  ['nothing', () => false],
];

t.test('property: any JSON, cut into any chunks, yields exactly the picked values in order', async (t) => {
  for (const [name, pick] of picks) {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), async (value, cuts, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const expected = reference(JSON.parse(text), pick);
        t.same(await collect(text, cuts, pick), expected, name);
      }),
      { numRuns: 300 },
    );
  }
});

t.test('strings with escapes, quotes, brackets and multi-byte characters across chunk boundaries', async (t) => {
  const doc = { records: [{ s: 'a"b\\c]}{[', u: 'é€😀\u0000' }, { 'k"ey': [1, -2.5e3, true, false, null] }], source: 'startLedger=7' };
  const text = JSON.stringify(doc);
  for (let cut = 0; cut <= text.length; cut++) {
    const got = await collect(text, [cut], (p) => (p[0] === 'records' && p.length === 2) || (p.length === 1 && p[0] === 'source'));
    t.same(got, [{ path: ['records', 0], value: doc.records[0] }, { path: ['records', 1], value: doc.records[1] }, { path: ['source'], value: 'startLedger=7' }]);
  }
});

t.test('malformed or truncated documents throw', async (t) => {
  for (const text of ['[1, 2', '{"a": [1}', '{"a" 1, }', '[1] 2', '{1: 2}', '["abc']) {
    await t.rejects(collect(text, [], (p) => p.length === 1), SyntaxError, text);
  }
});
