/** A field needs quotes when it holds a quote, a separator or a line break (RFC 4180 §2.6). */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One RFC 4180 record, CRLF-terminated: each field quoted when it holds `"`, `,`, CR or LF, with
 * inner quotes doubled; `null` is an empty field.
 *
 * @example csvRecord(['a', 'say "hi"', null]) // 'a,"say ""hi""",\r\n'
 */
export function csvRecord(fields: readonly (string | null)[]): string {
  return `${fields.map((field) => (field === null ? '' : NEEDS_QUOTES.test(field) ? `"${field.replaceAll('"', '""')}"` : field)).join(',')}\r\n`;
}
