import t, { type Test } from 'tap';
import { sql } from 'kysely';
import type { Db } from '../../platform/database.ts';
import { loadCheckpoint } from '../../projections/checkpoints.ts';
import { createCreatorsProjector } from '../../projections/creators/projector.ts';
import { rebuildProjector } from '../../projections/rebuild.ts';
import { catchUp } from '../../projections/runner.ts';
import type { Projector } from '../../projections/types.ts';
import { appendBacklog } from '../support/backlog.ts';
import { testDatabase } from '../support/database.ts';
import { capturingLogger } from '../support/projection-runs.ts';

t.setTimeout(120_000);

const projector = createCreatorsProjector({ version: 1 });

/** A caught-up live model and a rebuild of it interrupted after its first batch (its `__next` table in place). */
async function interrupted(t: Test, db: Db): Promise<void> {
  await appendBacklog(db, { count: 3_000, creators: 20, wallets: 100 });
  await catchUp(db, projector);
  const abort = new AbortController();
  const first = await rebuildProjector(db, projector, { batchSize: 1_000, signal: abort.signal, onProgress: () => abort.abort() });
  t.equal(first.swapped, false, 'the first run is interrupted before the swap');
}

async function hasColumn(db: Db, table: string, column: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from information_schema.columns
    where table_name = ${table} and column_name = ${column}`.execute(db);
  return rows[0]!.n === 1;
}

async function creatorsIndexes(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'creators' order by 1`.execute(db);
  return rows.map((r) => r.name);
}

t.test('an interrupted rebuild without schema change resumes', async (t) => {
  const { db } = await testDatabase(t);
  await interrupted(t, db);
  t.match(await rebuildProjector(db, projector, { batchSize: 1_000 }), { swapped: true, resumed: true });
});

t.test('a migration added an index to the live table since the clone: the rebuild starts over and keeps it', async (t) => {
  const { db } = await testDatabase(t);
  await interrupted(t, db);
  await sql`create index creators_drift_idx on creators (display_name)`.execute(db);
  const { logger, lines } = capturingLogger<{ drift?: string }>();
  t.match(await rebuildProjector(db, projector, { batchSize: 1_000, logger }), { swapped: true, resumed: false });
  t.ok((await creatorsIndexes(db)).includes('creators_drift_idx'), 'the index is there after the swap, under its name');
  t.equal(await loadCheckpoint(db, 'creators:rebuild'), undefined, 'the rebuild is done');
  const why = lines.find((l) => /changed since the rebuild cloned them/.test(l.msg));
  t.match(why?.drift, /index "CREATE INDEX ON USING btree \(display_name\)" only in creators/, 'the log says why it started over');
});

t.test('a migration added a column to the live table since the clone: the rebuild starts over and keeps it', async (t) => {
  const { db } = await testDatabase(t);
  await interrupted(t, db);
  await sql`alter table creators add column verified boolean not null default false`.execute(db);
  const { logger, lines } = capturingLogger<{ drift?: string }>();
  t.match(await rebuildProjector(db, projector, { batchSize: 1_000, logger }), { swapped: true, resumed: false });
  t.ok(await hasColumn(db, 'creators', 'verified'), 'the migrated column survives the swap');
  t.match(lines.find((l) => l.drift)?.drift, /column "verified boolean not null default false" only in creators/);
});

t.test('a column default changed since the clone counts as a change too', async (t) => {
  const { db } = await testDatabase(t);
  await interrupted(t, db);
  await sql`alter table creators alter column tiers set default '[{}]'`.execute(db);
  t.match(await rebuildProjector(db, projector, { batchSize: 1_000 }), { swapped: true, resumed: false });
  const { rows } = await sql<{ d: string }>`select column_default as d from information_schema.columns where table_name = 'creators' and column_name = 'tiers'`.execute(db);
  t.match(rows[0]!.d, /\[\{\}\]/, 'the new default is kept');
});

/** The projector, running a migration on the live table (from another session) in its first rebuild batch. */
function migratingDuringFill(base: Projector, db: Db, migration: { ran: boolean }): Projector {
  return {
    ...base,
    async apply(trx, events) {
      if (!migration.ran && base.name.endsWith(':rebuild')) {
        migration.ran = true;
        await sql`alter table creators add column verified boolean not null default false`.execute(db);
      }
      await base.apply(trx, events);
    },
    withTables: (tables, name) => migratingDuringFill(base.withTables(tables, name), db, migration),
  };
}

t.test('a migration during the fill: the swap notices under its table locks, starts over once, keeps the column', async (t) => {
  const { db } = await testDatabase(t);
  await appendBacklog(db, { count: 3_000, creators: 20, wallets: 100 });
  await catchUp(db, projector);
  const migration = { ran: false };
  const result = await rebuildProjector(db, migratingDuringFill(projector, db, migration), { batchSize: 1_000 });
  t.ok(migration.ran, 'the migration ran mid-fill');
  t.match(result, { swapped: true, resumed: false });
  t.ok(await hasColumn(db, 'creators', 'verified'), 'the column added during the fill survives the swap');
});
