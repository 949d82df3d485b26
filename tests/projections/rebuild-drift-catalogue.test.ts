import t from 'tap';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../platform/database.ts';
import { createCreatorsProjector } from '../../projections/creators/projector.ts';
import { rebuildProjector } from '../../projections/rebuild.ts';
import { catchUp } from '../../projections/runner.ts';
import type { Projector } from '../../projections/types.ts';
import { appendBacklog } from '../support/backlog.ts';
import { testDatabase } from '../support/database.ts';

t.setTimeout(300_000);

const projector = createCreatorsProjector({ version: 1 });

/**
 * What a migration may change on a read-model table, read from the catalogue independently of
 * projections/schema-drift.ts: a swap must leave all of it exactly as the live table had it.
 */
async function catalogue(db: Db, table: string): Promise<Record<string, unknown>> {
  const q = async (query: RawBuilder<Record<string, unknown>>) => (await query.execute(db)).rows;
  return {
    columns: await q(sql`select column_name, data_type, character_maximum_length, is_nullable, column_default, ordinal_position
      from information_schema.columns where table_name = ${table} order by ordinal_position`),
    constraints: await q(sql`select conname, contype, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = ${table}::regclass order by conname`),
    indexes: await q(sql`select indexname, indexdef from pg_indexes where tablename = ${table} order by indexname`),
    rls: await q(sql`select relrowsecurity, relforcerowsecurity from pg_class where oid = ${table}::regclass`),
    policies: await q(sql`select policyname, permissive, roles::text, cmd, qual, with_check from pg_policies where tablename = ${table} order by policyname`),
    grants: await q(sql`select grantee, privilege_type, is_grantable from information_schema.role_table_grants where table_name = ${table} order by 1, 2`),
    triggers: await q(sql`select trigger_name, event_manipulation, action_timing, action_statement from information_schema.triggers
      where event_object_table = ${table} order by 1, 2`),
  };
}

/** One kind of migration, with a check (besides the whole catalogue) that its effect is there. */
interface Change {
  kind: string;
  migrate: RawBuilder<unknown>;
  holds: RawBuilder<{ ok: boolean }>;
}

const changes: Change[] = [
  { kind: 'column type', migrate: sql`alter table creators alter column display_name type varchar(300)`,
    holds: sql`select data_type = 'character varying' as ok from information_schema.columns where table_name = 'creators' and column_name = 'display_name'` },
  { kind: 'column default', migrate: sql`alter table creators alter column tiers set default '[{}]'`,
    holds: sql`select column_default like '%[{}]%' as ok from information_schema.columns where table_name = 'creators' and column_name = 'tiers'` },
  { kind: 'check constraint added', migrate: sql`alter table creators add constraint creators_name_length check (length(display_name) <= 300)`,
    holds: sql`select count(*) = 1 as ok from pg_constraint where conrelid = 'creators'::regclass and conname = 'creators_name_length'` },
  { kind: 'check constraint dropped', migrate: sql`alter table creators drop constraint creators_check`,
    holds: sql`select count(*) = 0 as ok from pg_constraint where conrelid = 'creators'::regclass and conname = 'creators_check'` },
  { kind: 'unique constraint added', migrate: sql`alter table creators add constraint creators_display_name_key unique (tenant_id, display_name)`,
    holds: sql`select count(*) = 1 as ok from pg_constraint where conrelid = 'creators'::regclass and conname = 'creators_display_name_key'` },
  { kind: 'index added', migrate: sql`create index creators_updated_idx on creators (updated_at)`,
    holds: sql`select count(*) = 1 as ok from pg_indexes where tablename = 'creators' and indexname = 'creators_updated_idx'` },
  { kind: 'policy dropped', migrate: sql`drop policy creators_directory on creators`,
    holds: sql`select count(*) = 0 as ok from pg_policies where tablename = 'creators' and policyname = 'creators_directory'` },
  { kind: 'policy added', migrate: sql`create policy creators_tenant on creators for select using (tenant_id = current_setting('app.current_tenant_id', true))`,
    holds: sql`select count(*) = 1 as ok from pg_policies where tablename = 'creators' and policyname = 'creators_tenant'` },
  { kind: 'policy changed', migrate: sql`alter policy creators_tenant on creators using (tenant_id = current_setting('app.current_wallet', true))`,
    holds: sql`select qual like '%app.current_wallet%' as ok from pg_policies where tablename = 'creators' and policyname = 'creators_tenant'` },
  { kind: 'grant added', migrate: sql`grant insert on creators to substream_api`,
    holds: sql`select has_table_privilege('substream_api', 'creators', 'insert') as ok` },
  { kind: 'grant revoked', migrate: sql`revoke select on creators from substream_api`,
    holds: sql`select not has_table_privilege('substream_api', 'creators', 'select') as ok` },
  { kind: 'trigger added', migrate: sql`create trigger creators_touch before update on creators for each row execute function creators_touch()`,
    holds: sql`select count(*) = 1 as ok from pg_trigger where tgrelid = 'creators'::regclass and tgname = 'creators_touch'` },
  { kind: 'trigger dropped', migrate: sql`drop trigger creators_touch on creators`,
    holds: sql`select count(*) = 0 as ok from pg_trigger where tgrelid = 'creators'::regclass and tgname = 'creators_touch'` },
  { kind: 'row level security no longer forced', migrate: sql`alter table creators no force row level security`,
    holds: sql`select not relforcerowsecurity as ok from pg_class where oid = 'creators'::regclass` },
  { kind: 'row level security disabled', migrate: sql`alter table creators disable row level security`,
    holds: sql`select not relrowsecurity as ok from pg_class where oid = 'creators'::regclass` },
];

t.test('a migration of each kind on the live table since the clone: the rebuild starts over and the swap keeps it', async (t) => {
  const { db } = await testDatabase(t);
  await sql`create function creators_touch() returns trigger language plpgsql as $$ begin return new; end $$`.execute(db);
  await appendBacklog(db, { count: 600, creators: 20, wallets: 50 });
  await catchUp(db, projector);
  for (const change of changes) {
    const abort = new AbortController();
    const first = await rebuildProjector(db, projector, { batchSize: 200, signal: abort.signal, onProgress: () => abort.abort() });
    t.equal(first.swapped, false, `${change.kind}: the first run is interrupted before the swap`);
    await change.migrate.execute(db);
    const migrated = await catalogue(db, 'creators');
    const result = await rebuildProjector(db, projector, { batchSize: 200 });
    t.match(result, { swapped: true, resumed: false }, `${change.kind}: the rebuild starts over`);
    t.ok((await change.holds.execute(db)).rows[0]?.ok, `${change.kind}: the migration's effect survives the swap`);
    t.same(await catalogue(db, 'creators'), migrated, `${change.kind}: the swapped-in table has the live table's whole catalogue`);
  }
});

/** The projector, running `migration` on the live table (from another session) in its first rebuild batch. */
function migratingDuringFill(base: Projector, db: Db, migration: { sql: RawBuilder<unknown>; ran: boolean }): Projector {
  return {
    ...base,
    async apply(trx, events) {
      if (!migration.ran && base.name.endsWith(':rebuild')) {
        migration.ran = true;
        await migration.sql.execute(db);
      }
      await base.apply(trx, events);
    },
    withTables: (tables, name) => migratingDuringFill(base.withTables(tables, name), db, migration),
  };
}

for (const change of changes.filter((c) => ['policy dropped', 'check constraint added', 'grant added'].includes(c.kind))) {
  t.test(`${change.kind} during the fill: the swap notices under its table locks and starts over`, async (t) => {
    const { db } = await testDatabase(t);
    await appendBacklog(db, { count: 600, creators: 20, wallets: 50 });
    await catchUp(db, projector);
    const migration = { sql: change.migrate, ran: false };
    const result = await rebuildProjector(db, migratingDuringFill(projector, db, migration), { batchSize: 200 });
    t.ok(migration.ran, 'the migration ran mid-fill');
    t.match(result, { swapped: true, resumed: false });
    t.ok((await change.holds.execute(db)).rows[0]?.ok, 'its effect survives the swap');
  });
}
