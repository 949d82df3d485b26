import { indexesOf } from './swap-tables.ts';
import { columnsOf, constraintsOf, grantsOf, policiesOf, rowSecurityOf, triggersOf } from './table-catalogue.ts';
import type { Conn } from './types.ts';

/** What `a` holds more of than `b` (a multiset difference). */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const rest = [...b];
  return a.filter((x) => {
    const i = rest.indexOf(x);
    if (i < 0) return true;
    rest.splice(i, 1);
    return false;
  });
}

/**
 * Everything projections/clone-table.ts copies from a table, as `kind "description"` lines that
 * are equal for the live table and a faithful clone (names that the swap hands over left out).
 */
async function catalogueOf(conn: Conn, table: string): Promise<{ columns: string[]; entries: string[] }> {
  const columns = await columnsOf(conn, table);
  const security = await rowSecurityOf(conn, table);
  const entries = [
    ...columns.map((c) => `column "${c}"`),
    ...(await constraintsOf(conn, table)).map((c) => `constraint "${c}"`),
    ...(await indexesOf(conn, table)).map((i) => `index "${i.shape}"`),
    `row level security "${security.enabled ? 'enabled' : 'disabled'}"`,
    `row level security "${security.forced ? 'forced' : 'not forced'}"`,
    ...(await policiesOf(conn, table)).map((p) =>
      `policy "${p.name} as ${p.permissive ? 'permissive' : 'restrictive'} for ${p.cmd} to ${p.roles} using (${p.using ?? ''}) with check (${p.check ?? ''})"`),
    ...(await grantsOf(conn, table)).map((g) => `grant "${g.privilege} to ${g.grantee}${g.grantable ? ' with grant option' : ''}"`),
    ...(await triggersOf(conn, table)).map((t) => `trigger "${t.def.replace(` ON ${t.qualified} `, ' ON ')}"`),
  ];
  return { columns, entries };
}

/**
 * How a rebuild's `next` table differs from the live table it was cloned from, or null when they
 * match: a migration that ran after the clone, which a swap would silently undo. Compares all that
 * the clone copies: columns (name, type, nullability, default, order), constraints, index shapes,
 * the row-level security flags, policies, grants and triggers.
 *
 * @example const drift = await schemaDrift(trx, 'creators', 'creators__next'); // 'creators: policy "creators_directory as permissive for select to public using (true) with check ()" only in creators__next'
 */
export async function schemaDrift(conn: Conn, live: string, next: string): Promise<string | null> {
  const [a, b] = [await catalogueOf(conn, live), await catalogueOf(conn, next)];
  const differences = [
    ...minus(a.entries, b.entries).map((e) => `${e} only in ${live}`),
    ...minus(b.entries, a.entries).map((e) => `${e} only in ${next}`),
  ];
  if (differences.length === 0 && a.columns.some((c, i) => c !== b.columns[i])) differences.push(`columns of ${live} and ${next} are in another order`);
  return differences.length > 0 ? `${live}: ${differences.join('; ')}` : null;
}
