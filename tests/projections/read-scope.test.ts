import t from 'tap';
import { sql } from 'kysely';
import { readInScope, withReadScope, type ReadScope } from '../../projections/read-scope.ts';
import { getSubscription, subscriptionById, walletSubscriptions } from '../../projections/subscriptions/queries.ts';
import { testDatabase } from '../support/database.ts';

interface Settings {
  role: string;
  tenant: string;
  wallet: string;
  readOnly: string;
}

const settings = sql<Settings>`select current_user as role,
  coalesce(current_setting('app.current_tenant_id', true), '') as tenant,
  coalesce(current_setting('app.current_wallet', true), '') as wallet,
  current_setting('transaction_read_only') as "readOnly"`;

t.test('withReadScope: one read-only transaction as substream_api with transaction-local settings', async (t) => {
  // One pooled connection: every call below reuses the same backend, so a leaked setting would show.
  const { db } = await testDatabase(t, { poolMax: 1 });
  const outside = async () => (await settings.execute(db)).rows[0]!;

  t.test('values travel as escaped literals, byte for byte', async (t) => {
    for (const value of ["it's", "a\\'b", "x', true); drop table events; --", 'E\'\\\\', '$$ $1 ?', 'ünïcödé 🚀', '']) {
      const seen = await withReadScope(db, { tenantId: value, wallet: `${value}w` }, async (trx) => (await settings.execute(trx)).rows[0]!);
      t.same({ role: seen.role, tenant: seen.tenant, wallet: seen.wallet, readOnly: seen.readOnly }, { role: 'substream_api', tenant: value, wallet: `${value}w`, readOnly: 'on' }, JSON.stringify(value));
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_tables where tablename = 'events'`.execute(db);
    t.equal(rows[0]!.n, 1, 'the events table is still there');
  });

  t.test('every statement of fn runs in the same transaction', async (t) => {
    const stamps = await withReadScope(db, { wallet: 'w' }, async (trx) => {
      const first = (await sql<{ xact: string }>`select now()::text as xact`.execute(trx)).rows[0]!.xact;
      await sql`select pg_sleep(0.01)`.execute(trx);
      const second = (await sql<{ xact: string; inBlock: boolean }>`select now()::text as xact, now() <> statement_timestamp() as "inBlock"`.execute(trx)).rows[0]!;
      return { first, ...second };
    });
    t.equal(stamps.first, stamps.xact, 'one transaction start time');
    t.equal(stamps.inBlock, true, 'a later statement runs after the transaction began');
  });

  t.test('settings and role end with the transaction (SET LOCAL semantics)', async (t) => {
    await withReadScope(db, { tenantId: 'tenant-x', wallet: 'wallet-x' }, async () => undefined);
    const after = await outside();
    t.same({ role: after.role, tenant: after.tenant, wallet: after.wallet, readOnly: after.readOnly }, { role: 'postgres', tenant: '', wallet: '', readOnly: 'off' });
  });

  t.test('a failing fn rolls back and leaves the connection clean', async (t) => {
    await t.rejects(
      withReadScope(db, { tenantId: 'tenant-y' }, async (trx) => {
        await sql`select 1/0`.execute(trx);
      }),
      { code: '22012' },
    );
    const after = await outside();
    t.same({ role: after.role, tenant: after.tenant, readOnly: after.readOnly }, { role: 'postgres', tenant: '', readOnly: 'off' });
    const { rows } = await sql<{ n: number }>`select 1 as n`.execute(db);
    t.equal(rows[0]!.n, 1, 'not left in an aborted transaction');
  });

  t.test('writes are refused: read only and as substream_api', async (t) => {
    await t.rejects(
      withReadScope(db, {}, async (trx) => {
        await sql`insert into idempotency_keys (principal, key, request_hash, method, path) values ('p', 'k', 'h', 'POST', '/')`.execute(trx);
      }),
      { code: '25006' },
    );
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from idempotency_keys`.execute(db);
    t.equal(rows[0]!.n, 0);
  });

  t.test('a NUL character is refused before anything is sent', async (t) => {
    await t.rejects(withReadScope(db, { wallet: 'a\u0000b' }, async () => 1), TypeError);
    const after = await outside();
    t.equal(after.wallet, '', 'nothing was set');
  });
});

t.test('readInScope: the same rows as withReadScope under RLS, in one round trip, and a clean connection after', async (t) => {
  const { db } = await testDatabase(t, { poolMax: 1 });
  const [a, b, alice, bob] = ['tenant-a', 'tenant-b', 'wallet-alice', "wallet-b'ob"];
  const rows = [[a, alice], [a, bob], [b, alice], [b, bob]].map(([tenant, wallet]) => ({ tenant: tenant!, wallet: wallet!, id: `${wallet}-${tenant}` }));
  for (const row of rows) {
    await sql`insert into subscriptions (tenant_id, subscription_id, subscriber, creator, status, rate_per_second, updated_at)
      values (${row.tenant}, ${row.id}, ${row.wallet}, ${row.tenant}, 'active', 12345678901234567890, now())`.execute(db);
  }
  const scopes: ReadScope[] = [{}, { tenantId: a }, { wallet: alice }, { wallet: bob, tenantId: b }, { tenantId: "a' or true --" }, { wallet: "' or ''='" }];
  let compared = 0;
  for (const scope of scopes) {
    for (const row of rows) {
      const one = await readInScope(db, scope, subscriptionById(row.id));
      t.same(one, await withReadScope(db, scope, (trx) => getSubscription(trx, row.id)), `${JSON.stringify(scope)} ${row.id}: as withReadScope`);
      t.equal(one !== undefined, scope.tenantId === row.tenant || scope.wallet === row.wallet, `${JSON.stringify(scope)} ${row.id}: visible only in scope`);
      compared++;
    }
    for (const wallet of [alice, bob]) {
      const many = await readInScope(db, scope, walletSubscriptions(wallet));
      t.same(many.map((s) => s.subscriptionId), rows.filter((r) => r.wallet === wallet && (scope.tenantId === r.tenant || scope.wallet === r.wallet)).map((r) => r.id).sort());
    }
  }
  t.equal(compared, scopes.length * rows.length);
  const sample = await readInScope(db, { wallet: alice }, subscriptionById(rows[0]!.id));
  t.equal(sample?.ratePerSecond, '12345678901234567890', 'numeric stays a decimal string (text result format, as with parameters)');
  t.match(sample?.updatedAt, /^\d{4}-\d{2}-\d{2}T.*Z$/);

  const after = (await settings.execute(db)).rows[0]!;
  t.same({ role: after.role, tenant: after.tenant, wallet: after.wallet, readOnly: after.readOnly }, { role: 'postgres', tenant: '', wallet: '', readOnly: 'off' }, 'the settings ended with the transaction');

  await t.rejects(readInScope(db, { tenantId: a }, { query: sql<{ n: number }>`select 1/0 as n`, result: (r) => r }), { code: '22012' });
  const failed = (await settings.execute(db)).rows[0]!;
  t.same({ role: failed.role, tenant: failed.tenant, readOnly: failed.readOnly }, { role: 'postgres', tenant: '', readOnly: 'off' }, 'rolled back after a failed query');
  await t.rejects(readInScope(db, {}, { query: sql<{ n: number }>`insert into idempotency_keys (principal, key, request_hash, method, path) values ('p', 'k', 'h', 'POST', '/') returning 1 as n`, result: (r) => r }), { code: '25006' }, 'read only');
  await t.rejects(readInScope(db, { wallet: 'a\u0000b' }, subscriptionById('x')), TypeError);
});
