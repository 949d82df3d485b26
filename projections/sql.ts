import { sql, type RawBuilder } from 'kysely';

/** A timestamptz column as ISO-8601 UTC text with milliseconds, the form events carry. */
export function isoText(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** `col1, to_char(col2 …) as col2, …` for a select that returns timestamps as ISO text. */
export function selectColumns(columns: readonly (readonly [string, string])[]): RawBuilder<unknown> {
  return sql.raw(columns.map(([name, type]) => (type === 'timestamptz' ? `${isoText(name)} as ${name}` : name)).join(', '));
}
