import { sql, type RawBuilder } from 'kysely';

/** A timestamptz column as ISO-8601 UTC text with milliseconds, the form events carry. */
export function isoText(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

const camel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * `col1, to_char(col2 …) as col2, …` for a select that returns timestamps as ISO text and `bigint`
 * columns as numbers (`::float8`: they hold chain u32s, ledgers and plan ids, exact far past 2^32); with
 * `camelCase`, each column comes back under its camelCase name (`tenant_id as "tenantId"`), so
 * rows need no renaming in JavaScript.
 *
 * @example selectColumns([['tenant_id', 'text']], { camelCase: true }) // tenant_id as "tenantId"
 */
export function selectColumns(columns: readonly (readonly [string, string])[], options: { camelCase?: boolean } = {}): RawBuilder<unknown> {
  const alias = (name: string) => (options.camelCase ? `"${camel(name)}"` : name);
  return sql.raw(
    columns
      .map(([name, type]) => {
        const value = type === 'timestamptz' ? isoText(name) : type === 'bigint' ? `${name}::float8` : name;
        return value === alias(name) ? name : `${value} as ${alias(name)}`;
      })
      .join(', '),
  );
}

/**
 * A row made in JavaScript (a fold's stored form) as `selectColumns` returns it from the table:
 * timestamps as ISO-8601 UTC with milliseconds, `bigint` columns as numbers, the rest as they are,
 * only the columns listed, under camelCase names with `camelCase`.
 *
 * @example asSelected([['updated_at', 'timestamptz']], { updated_at: '2026-12-01T00:00:00Z' }) // { updated_at: '2026-12-01T00:00:00.000Z' }
 */
export function asSelected<T>(columns: readonly (readonly [string, string])[], row: object, options: { camelCase?: boolean } = {}): T {
  const values = row as Record<string, unknown>;
  return Object.fromEntries(
    columns.map(([name, type]) => {
      const value = values[name];
      const shown = value === null || value === undefined ? null
        : type === 'timestamptz' ? new Date(value as string).toISOString()
        : type === 'bigint' ? Number(value)
        : value;
      return [options.camelCase ? camel(name) : name, shown];
    }),
  ) as T;
}
