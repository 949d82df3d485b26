import pg from 'pg';

/**
 * Quoted string literals, quoted identifiers and comments are copied as they are; a `$n` outside
 * them is a placeholder. (No E'' strings or dollar quoting: the queries given here have none.)
 */
const TOKENS = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\$(\d+)/g;

/**
 * One value as a literal of unknown type, the way node-postgres sends it as a text parameter
 * (PostgreSQL infers its type from the context either way), escaped by pg's escapeLiteral. The
 * simple query protocol ends the text at a NUL byte, so one is refused.
 */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'bigint' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) text = String(value);
  else if (value instanceof Date) text = value.toISOString();
  else throw new TypeError(`cannot inline a ${typeof value === 'object' ? value.constructor.name : typeof value} parameter`);
  if (text.includes('\u0000')) throw new TypeError('a parameter holds a NUL character');
  return pg.escapeLiteral(text);
}

/**
 * A compiled query's text with each `$n` replaced by its parameter as an escaped literal, for the
 * simple query protocol (which carries no parameters but takes several statements in one message).
 *
 * @example inlineParameters({ sql: 'select * from t where id = $1', parameters: ["it's"] }) // "select * from t where id = 'it''s'"
 */
export function inlineParameters(compiled: { sql: string; parameters: readonly unknown[] }): string {
  return compiled.sql.replace(TOKENS, (token, index: string | undefined) => {
    if (index === undefined) return token;
    const i = Number(index) - 1;
    if (i < 0 || i >= compiled.parameters.length) throw new RangeError(`no parameter for $${index}`);
    return literal(compiled.parameters[i]);
  });
}
