import t from 'tap';
import { sql } from 'kysely';
import pg from 'pg';
import { testDatabase } from '../support/database.ts';
import { loginRoleUrl } from '../support/login-roles.ts';

// Isolation must hold for a query the application forgot to scope: here the API's login role
// connects on its own and queries the read models by hand, without `withReadScope`.

const A = 'GTENANTA';
const B = 'GTENANTB';

/** One row of tenant `tenant` in every read model private to its tenant (`${x}` = a key unique to the tenant). */
const SEEDS: Record<string, (tenant: string) => string> = {
  subscriptions: (x) => `insert into subscriptions (tenant_id, subscription_id, subscriber, creator, status, updated_at)
    values ('${x}', 'sub-${x}', 'wallet-${x}', '${x}', 'active', now())`,
  streams: (x) => `insert into streams (tenant_id, id, contract_id, onchain_id, sender, receiver, status, updated_at)
    values ('${x}', 'stream-${x}', 'C', '1-${x}', 'sender-${x}', 'receiver-${x}', 'active', now())`,
  invoice_links: (x) => `insert into invoice_links (tenant_id, id, slug, creator, receiver, token, amount, duration_seconds, status, expires_at, created_at, updated_at)
    values ('${x}', 'link-${x}', 'slug-${x}', 'creator-${x}', 'receiver-${x}', 'T', 1, 60, 'DRAFT', now(), now(), now())`,
  content: (x) => `insert into content (tenant_id, content_id, creator, title, min_tier, url, status, published_at, updated_at)
    values ('${x}', 'content-${x}', '${x}', 'gone', 'gold', null, 'deleted', now(), now())`,
  analytics_view_heatmap: (x) => `insert into analytics_view_heatmap (tenant_id, content_id, position_second) values ('${x}', 'c', 0)`,
  analytics_subscription_facts: (x) => `insert into analytics_subscription_facts (global_position, tenant_id, subscription_id, at, kind)
    values (${x === A ? 1 : 2}, '${x}', 'sub-${x}', now(), 'activated')`,
  analytics_daily_amounts: (x) => `insert into analytics_daily_amounts (tenant_id, metric, day, amount) values ('${x}', 'revenue', current_date, 5)`,
  export_jobs: (x) => `insert into export_jobs (id, tenant_id, dataset, format, status)
    values ('${x === A ? '00000000-0000-4000-8000-00000000000a' : '00000000-0000-4000-8000-00000000000b'}', '${x}', 'billing', 'csv', 'queued')`,
  reconciliation_runs: (x) => `insert into reconciliation_runs (id, tenant_id, trigger, status)
    values ('${x === A ? '00000000-0000-4000-8000-0000000000aa' : '00000000-0000-4000-8000-0000000000bb'}', '${x}', 'api', 'running')`,
  analytics_money_tokens: (x) => `insert into analytics_money_tokens (stream_id, tenant_id, token) values ('stream-${x}', '${x}', 'T')`,
  api_keys: (x) => `insert into api_keys (tenant_id, created_by, name, prefix, key_hash, scopes)
    values ('${x}', '${x}', 'key-${x}', 'sk_${x}', 'hash-${x}', '{streams:read}')`,
  webhook_endpoints: (x) => `insert into webhook_endpoints (id, tenant_id, url, events, secret)
    values ('${endpointOf(x)}', '${x}', 'https://example.com/${x}', '{*}', 'whsec_${x}')`,
  webhook_deliveries: (x) => `insert into webhook_deliveries (endpoint_id, tenant_id, event_id, event_type, stream_id, payload)
    values ('${endpointOf(x)}', '${x}', gen_random_uuid(), 'SubscriptionActivated', 'subscription-${x}', '{}')`,
};

function endpointOf(tenant: string): string {
  return tenant === A ? '00000000-0000-4000-8000-0000000000e1' : '00000000-0000-4000-8000-0000000000e2';
}

/** Read models every reader may see whole by design (the public creator directory). */
const PUBLIC_DIRECTORIES = ['creators'];

t.test('the API login role sees no other tenant\'s rows in a hand-written query', async (t) => {
  const { db, url } = await testDatabase(t);
  const { rows: tables } = await sql<{ table: string }>`
    select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p')
      and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
    order by 1`.execute(db);
  t.same(tables.map((r) => r.table).sort(), [...Object.keys(SEEDS), ...PUBLIC_DIRECTORIES].sort(),
    'every table with a tenant_id is seeded here (or is a public directory): a new tenant table must join this test');

  // The tests' owner is a superuser (RLS does not apply to it): seed as is.
  for (const seed of Object.values(SEEDS)) for (const tenant of [A, B]) await sql.raw(seed(tenant)).execute(db);

  const client = new pg.Client({ connectionString: await loginRoleUrl('substream_api', url) });
  await client.connect();
  t.teardown(() => client.end());
  const { rows: [who] } = await client.query(`select current_user as "user", (select rolsuper or rolbypassrls from pg_roles where rolname = current_user) as bypass`);
  t.equal(who.user, 'substream_test_api', 'connected as the API login role itself (no SET ROLE)');
  t.equal(who.bypass, false, 'a role row-level security applies to');

  for (const table of Object.keys(SEEDS)) {
    const unscoped = await client.query(`select * from ${table}`);
    t.equal(unscoped.rowCount, 0, `${table}: select * with no tenant set sees nothing`);
    const forB = await client.query(`select * from ${table} where tenant_id = $1`, [B]);
    t.equal(forB.rowCount, 0, `${table}: asking for tenant B by name with no tenant set sees nothing`);

    await client.query(`select set_config('app.current_tenant_id', $1, false)`, [A]);
    const scoped = await client.query(`select tenant_id from ${table}`);
    t.same(scoped.rows.map((r) => r.tenant_id), [A], `${table}: with tenant A set, only A's row`);
    const otherTenant = await client.query(`select * from ${table} where tenant_id = $1`, [B]);
    t.equal(otherTenant.rowCount, 0, `${table}: with tenant A set, B's rows stay invisible`);
    await client.query(`reset app.current_tenant_id`);
  }
});

t.test('the API login role cannot write read models, lift row security or become the owner', async (t) => {
  const { url } = await testDatabase(t);
  const client = new pg.Client({ connectionString: await loginRoleUrl('substream_api', url) });
  await client.connect();
  t.teardown(() => client.end());
  const refused = async (statement: string, reason: RegExp) => {
    await client.query('begin');
    try {
      await t.rejects(client.query(statement), reason, statement);
    } finally {
      await client.query('rollback');
    }
  };
  await client.query(`set app.projection_writer = 'on'`);
  await refused(`insert into subscriptions (tenant_id, subscription_id, subscriber, creator, status, updated_at) values ('${A}', 'x', 'w', '${A}', 'active', now())`, /permission denied/);
  await refused(`update subscriptions set status = 'expired'`, /permission denied/);
  await refused(`delete from streams`, /permission denied/);
  await refused(`alter table subscriptions disable row level security`, /must be owner/);
  await refused(`set role postgres`, /permission denied/);
  await refused(`set session_replication_role = replica`, /permission denied/);
  await refused(`create table mine (x int)`, /permission denied/);
  await refused(`update projection_dead_letters set status = 'skipped'`, /permission denied/);
  await refused(`delete from events`, /permission denied/);
  await refused(`update events set data = '{}'`, /permission denied/);
});

t.test('the API login role cannot write another tenant\'s rows, nor rewrite a key it is authenticating', async (t) => {
  const { db, url } = await testDatabase(t);
  for (const table of ['api_keys', 'webhook_endpoints']) for (const tenant of [A, B]) await sql.raw(SEEDS[table]!(tenant)).execute(db);
  const client = new pg.Client({ connectionString: await loginRoleUrl('substream_api', url) });
  await client.connect();
  t.teardown(() => client.end());
  const inScope = async (settings: Record<string, string>, statement: string) => {
    await client.query('begin');
    try {
      for (const [name, value] of Object.entries(settings)) await client.query('select set_config($1, $2, true)', [name, value]);
      return await client.query(statement);
    } finally {
      await client.query('rollback');
    }
  };
  const asA = { 'app.current_tenant_id': A };
  await t.rejects(inScope(asA, `insert into api_keys (tenant_id, created_by, name, prefix, key_hash, scopes) values ('${B}', 'x', 'x', 'sk_x', 'hash-x', '{admin:all}')`), /row-level security/, 'tenant A cannot create a key for B');
  await t.rejects(inScope(asA, `insert into webhook_endpoints (tenant_id, url, events, secret) values ('${B}', 'https://evil.example', '{*}', 'whsec_x')`), /row-level security/, 'tenant A cannot create an endpoint for B');
  t.equal((await inScope(asA, `update api_keys set revoked_at = now() where tenant_id = '${B}'`)).rowCount, 0, 'tenant A cannot revoke B\'s keys');
  t.equal((await inScope(asA, `delete from webhook_endpoints where tenant_id = '${B}'`)).rowCount, 0, 'tenant A cannot delete B\'s endpoints');
  await t.rejects(inScope(asA, `update api_keys set tenant_id = '${B}' where tenant_id = '${A}'`), /row-level security/, 'tenant A cannot move its key to B');

  const holder = { 'app.api_key_hash': `hash-${B}` };
  t.equal((await inScope(holder, 'select tenant_id from api_keys')).rows.map((r) => r.tenant_id).join(), B, 'authenticating a key shows that one key');
  t.equal((await inScope(holder, `update api_keys set tenant_id = '${A}', scopes = '{admin:all}'`)).rowCount, 0, 'and cannot rewrite it: the holder\'s view is read-only');
});
