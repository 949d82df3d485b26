import { csvRecord } from './csv.ts';

export type ExportFormat = 'csv' | 'json' | 'ndjson';

/** A dataset row: every value a string (amounts as exact decimals, times as ISO 8601 UTC) or null. */
export type ExportRow = Record<string, string | null>;

/**
 * The text of an export, chunk by chunk as rows arrive (never the whole dataset at once):
 * `csv` is a header record then one record per row (RFC 4180), `ndjson` one JSON object a line,
 * `json` one array of objects.
 *
 * @example for await (const chunk of encodeRows('csv', ['id'], rows)) gzip.write(chunk);
 */
export async function* encodeRows(format: ExportFormat, columns: readonly string[], batches: AsyncIterable<ExportRow[]>): AsyncGenerator<string> {
  const ordered = (row: ExportRow) => Object.fromEntries(columns.map((column) => [column, row[column] ?? null]));
  if (format === 'csv') yield csvRecord(columns);
  if (format === 'json') yield '[';
  let first = true;
  for await (const rows of batches) {
    if (rows.length === 0) continue;
    switch (format) {
      case 'csv':
        yield rows.map((row) => csvRecord(columns.map((column) => row[column] ?? null))).join('');
        break;
      case 'ndjson':
        yield rows.map((row) => `${JSON.stringify(ordered(row))}\n`).join('');
        break;
      case 'json':
        yield `${first ? '\n' : ',\n'}${rows.map((row) => JSON.stringify(ordered(row))).join(',\n')}`;
        break;
      default: {
        const never: never = format;
        throw new Error(`unknown export format ${String(never)}`);
      }
    }
    first = false;
  }
  if (format === 'json') yield first ? ']\n' : '\n]\n';
}
