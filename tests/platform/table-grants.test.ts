import t from 'tap';
import { sql } from 'kysely';
import { testDatabase } from '../support/database.ts';

// Every table of the schema is classified here: what each runtime role may do to it, or that
// only the owner (the role running migrations) touches it. A migration that adds a table, or a
// grant, without updating this map fails CI; so does a grant drifting from it.

const ROLES = ['substream_api', 'substream_projector', 'substream_indexer'] as const;
type Role = (typeof ROLES)[number];
type Grants = Partial<Record<Role, string[]>>;

const READ_MODEL: Grants = { substream_api: ['SELECT'], substream_projector: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] };

/** Table → role → privileges (`SELECT(col, …)` for a column-level grant), sorted. */
const CLASSIFIED: Record<string, Grants | 'owner only'> = {
  events: { substream_api: ['SELECT', 'INSERT'], substream_projector: ['SELECT', 'INSERT'], substream_indexer: ['SELECT', 'INSERT'] },
  idempotency_keys: { substream_api: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
  sep10_challenges: { substream_api: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
  api_keys: { substream_api: ['SELECT', 'INSERT', 'UPDATE'] },
  webhook_endpoints: { substream_api: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], substream_projector: ['SELECT', 'UPDATE'] },
  webhook_deliveries: { substream_api: ['SELECT', 'UPDATE', 'DELETE'], substream_projector: ['SELECT', 'INSERT', 'UPDATE'] },
  email_addresses: { substream_api: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], substream_projector: ['SELECT'] },
  email_unsubscribes: { substream_api: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], substream_projector: ['SELECT'] },
  email_suppressions: { substream_api: ['SELECT'], substream_projector: ['SELECT', 'INSERT'] },
  email_outbox: { substream_api: ['SELECT', 'DELETE'], substream_projector: ['SELECT', 'INSERT', 'UPDATE'] },
  projection_checkpoints: { substream_api: ['SELECT'], substream_projector: ['SELECT', 'INSERT', 'UPDATE'] },
  projection_dead_letters: { substream_api: ['SELECT'], substream_projector: ['SELECT', 'INSERT', 'UPDATE'] },
  outbox_checkpoints: { substream_api: ['SELECT'], substream_projector: ['SELECT', 'INSERT', 'UPDATE'] },
  indexer_checkpoints: { substream_api: ['SELECT'], substream_indexer: ['SELECT', 'INSERT', 'UPDATE'] },
  indexer_ranges: { substream_api: ['SELECT'], substream_indexer: ['SELECT', 'INSERT', 'UPDATE'] },
  creators: READ_MODEL,
  subscriptions: READ_MODEL,
  streams: READ_MODEL,
  invoice_links: READ_MODEL,
  content: READ_MODEL,
  analytics_view_heatmap: READ_MODEL,
  analytics_subscription_facts: READ_MODEL,
  analytics_daily_amounts: READ_MODEL,
  analytics_money_tokens: READ_MODEL,
  export_jobs: { substream_api: ['SELECT', 'INSERT', 'UPDATE'] },
  // Wrapped data keys: the API seals, opens and erases its caller's; projectors only open.
  personal_data_keys: { substream_api: ['SELECT', 'INSERT', 'DELETE'], substream_projector: ['SELECT'] },
  reconciliation_runs: { substream_api: ['SELECT', 'INSERT', 'UPDATE'] },
  kysely_migration: 'owner only',
  kysely_migration_lock: 'owner only',
};

const ORDER = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
const byOrder = (a: string, b: string) => ORDER.indexOf(a.replace(/\(.*/, '')) - ORDER.indexOf(b.replace(/\(.*/, '')) || a.localeCompare(b);

t.test('every table is classified, and the runtime roles hold exactly the grants the map declares', async (t) => {
  const { db } = await testDatabase(t);
  const { rows: tables } = await sql<{ table: string; rls: boolean; forced: boolean; tenant: boolean; owner: string }>`
    select c.relname as table, c.relrowsecurity as rls, c.relforcerowsecurity as forced, pg_get_userbyid(c.relowner) as owner,
      exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as tenant
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1`.execute(db);
  const { rows: tableGrants } = await sql<{ table: string; role: string; privilege: string }>`
    select c.relname as table, case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee) end as role, a.privilege_type as privilege
    from pg_class c join pg_namespace n on n.oid = c.relnamespace cross join lateral aclexplode(c.relacl) a
    where n.nspname = 'public' and a.grantee <> c.relowner`.execute(db);
  const { rows: columnGrants } = await sql<{ table: string; role: string; privilege: string; columns: string }>`
    select c.relname as table, case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee) end as role, a.privilege_type as privilege,
      string_agg(att.attname, ', ' order by att.attnum) as columns
    from pg_attribute att join pg_class c on c.oid = att.attrelid join pg_namespace n on n.oid = c.relnamespace
      cross join lateral aclexplode(att.attacl) a
    where n.nspname = 'public' and att.attacl is not null and a.grantee <> c.relowner
    group by 1, 2, 3`.execute(db);

  t.same(tables.map((r) => r.table), Object.keys(CLASSIFIED).sort(), 'the tables of the schema are exactly the classified ones');

  const actual = new Map<string, Map<string, string[]>>();
  const add = (table: string, role: string, privilege: string) => {
    const roles = actual.get(table) ?? new Map<string, string[]>();
    roles.set(role, [...(roles.get(role) ?? []), privilege]);
    actual.set(table, roles);
  };
  for (const g of tableGrants) add(g.table, g.role, g.privilege);
  for (const g of columnGrants) add(g.table, g.role, `${g.privilege}(${g.columns})`);

  for (const { table, rls, forced, tenant, owner } of tables) {
    const declared = CLASSIFIED[table];
    const held = Object.fromEntries([...(actual.get(table) ?? new Map<string, string[]>())].map(([role, p]) => [role, [...p].sort(byOrder)]));
    const expected = declared === 'owner only' || declared === undefined ? {} : Object.fromEntries(Object.entries(declared).map(([role, p]) => [role, [...p].sort(byOrder)]));
    t.same(held, expected, `${table}: grants to roles other than its owner`);
    t.notOk((ROLES as readonly string[]).includes(owner), `${table}: owned by ${owner}, not by a runtime role`);
    if (tenant) t.ok(rls && forced, `${table}: has tenant_id, so row-level security is enabled and forced`);
  }
});

t.test('the runtime roles log in through members only, and bypass nothing', async (t) => {
  const { db } = await testDatabase(t);
  const { rows } = await sql<{ name: string; login: boolean; superuser: boolean; bypassrls: boolean; createrole: boolean; createdb: boolean }>`
    select rolname as name, rolcanlogin as login, rolsuper as superuser, rolbypassrls as bypassrls, rolcreaterole as createrole, rolcreatedb as createdb
    from pg_roles where rolname = any(${[...ROLES]}) order by rolname`.execute(db);
  t.same(rows.map((r) => r.name), [...ROLES].sort(), 'the migration created every role');
  for (const r of rows) t.same({ ...r, name: undefined }, { name: undefined, login: false, superuser: false, bypassrls: false, createrole: false, createdb: false }, r.name);
  const { rows: schema } = await sql<{ role: string; create: boolean }>`
    select r as role, has_schema_privilege(r, 'public', 'CREATE') as create from unnest(${['public', ...ROLES]}::text[]) r`.execute(db);
  for (const s of schema) t.equal(s.create, false, `${s.role} cannot create objects in schema public`);
});
