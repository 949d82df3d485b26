import fc from 'fast-check';
import t from 'tap';
import { csvRecord } from '../../exports/csv.ts';
import { encodeRows, type ExportRow } from '../../exports/encode.ts';

/** An independent RFC 4180 reader (CRLF records, quoted fields with doubled quotes) to check the writer against. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"' && text[i + 1] === '"') { field += '"'; i += 2; } else if (text[i] === '"') { i += 1; break; } else { field += text[i]; i += 1; }
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
        if (text[i] === '"' || text[i] === '\n') throw new Error(`bare ${JSON.stringify(text[i])} in an unquoted field at ${i}`);
        field += text[i]; i += 1;
      }
    }
    fields.push(field);
    if (text[i] === ',') { i += 1; continue; }
    if (text.slice(i, i + 2) !== '\r\n') throw new Error(`expected CRLF at ${i}`);
    i += 2;
    records.push(fields);
    fields = [];
  }
  return records;
}

const field = fc.oneof(fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ', 'é', '0') }), fc.string(), fc.constant(''));

t.test('property: every record reads back as the fields written (nulls as empty), whatever they hold', async (t) => {
  fc.assert(fc.property(fc.array(fc.array(fc.option(field, { nil: null }), { minLength: 1, maxLength: 6 }), { maxLength: 8 }), (rows) => {
    const parsed = parseCsv(rows.map(csvRecord).join(''));
    t.same(parsed, rows.map((r) => r.map((f) => f ?? '')));
    return true;
  }), { numRuns: 500 });
});

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

t.test('csv, ndjson and json of the same rows', async (t) => {
  async function* batches(): AsyncGenerator<ExportRow[]> {
    yield [{ id: '1', note: 'a,"b"' }];
    yield [];
    yield [{ id: '2', note: null }];
  }
  const text = async (format: 'csv' | 'json' | 'ndjson') => collect(encodeRows(format, ['id', 'note'], batches()));
  t.equal(await text('csv'), 'id,note\r\n1,"a,""b"""\r\n2,\r\n');
  t.equal(await text('ndjson'), '{"id":"1","note":"a,\\"b\\""}\n{"id":"2","note":null}\n');
  t.same(JSON.parse(await text('json')), [{ id: '1', note: 'a,"b"' }, { id: '2', note: null }]);
  async function* none(): AsyncGenerator<ExportRow[]> {}
  t.equal(await collect(encodeRows('json', ['id'], none())), '[]\n', 'an empty JSON export is an empty array');
  t.equal(await collect(encodeRows('csv', ['id'], none())), 'id\r\n', 'an empty CSV export is its header');
});
