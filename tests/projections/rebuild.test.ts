import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { sql } from 'kysely';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import type { Db } from '../../platform/database.ts';
import { creatorAnalyticsProjector } from '../../projections/analytics/creator-projector.ts';
import { loadCheckpoint } from '../../projections/checkpoints.ts';
import { creatorsProjector } from '../../projections/creators/projector.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { rebuildProjector, type RebuildProgress } from '../../projections/rebuild.ts';
import { catchUp, runProjectors } from '../../projections/runner.ts';
import { createSubscriptionsProjector, subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { appendBacklog } from '../support/backlog.ts';
import { testDatabase } from '../support/database.ts';
import { modelDiff, snapshotTable } from '../support/model-diff.ts';
import { address, appendsFor, at, subEvent } from '../support/subscription-events.ts';

t.setTimeout(120_000);

const MODELS = [subscriptionsProjector, creatorsProjector, creatorAnalyticsProjector];

/** What a table is besides its rows: indexes, constraints, policies, grants, RLS flags and triggers. */
async function catalog(db: Db, table: string) {
  const { rows } = await sql<Record<string, unknown>>`
    select c.relrowsecurity as rls, c.relforcerowsecurity as forced,
      (select array_agg(i.relname::text order by i.relname) from pg_index x join pg_class i on i.oid = x.indexrelid where x.indrelid = c.oid) as indexes,
      (select array_agg(conname::text || ':' || contype::text order by conname) from pg_constraint where conrelid = c.oid) as constraints,
      (select array_agg(polname::text || ':' || polcmd::text || ':' || coalesce(pg_get_expr(polqual, polrelid), '') || ':' || coalesce(pg_get_expr(polwithcheck, polrelid), '') order by polname)
        from pg_policy where polrelid = c.oid) as policies,
      (select array_agg(pg_get_userbyid(a.grantee) || ':' || a.privilege_type order by 1) from aclexplode(c.relacl) a) as grants,
      (select array_agg(tgname::text order by tgname) from pg_trigger where tgrelid = c.oid and not tgisinternal) as triggers
    from pg_class c where c.oid = ${table}::regclass`.execute(db);
  return rows[0];
}

async function leftovers(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select relname as name from pg_class where relname ~ '__(next|old)$' order by 1`.execute(db);
  return rows.map((r) => r.name);
}

t.test('the rebuilt model equals the live one row for row, with the same indexes, constraints, policies, grants and triggers', async (t) => {
  const { db } = await testDatabase(t);
  await appendBacklog(db, { count: 8_000, creators: 20, wallets: 400 });
  for (const projector of MODELS) await catchUp(db, projector, { batchSize: 2_000 });
  // No read model has a trigger today; one added later must survive a rebuild.
  await sql`create function rebuild_test_touch() returns trigger language plpgsql as $$ begin return new; end $$`.execute(db);
  await sql`create trigger creators_touch before insert on creators for each row execute function rebuild_test_touch()`.execute(db);

  const before = new Map<string, unknown>();
  for (const projector of MODELS) {
    for (const table of projector.tables) {
      await snapshotTable(db, table, `snapshot_${table}`);
      before.set(table, await catalog(db, table));
    }
  }
  const progress: RebuildProgress[] = [];
  for (const projector of MODELS) {
    const result = await rebuildProjector(db, projector, { batchSize: 1_000, onProgress: (p) => progress.push(p) });
    t.match(result, { swapped: true, resumed: false }, `${projector.name} swapped in`);
    t.ok(result.read >= 8_000 && result.total >= 8_000, `${projector.name} read the whole log (${result.read} events)`);
  }
  t.ok(progress.length >= 3 * 8, 'progress after every batch');

  for (const projector of MODELS) {
    for (const table of projector.tables) {
      const diff = await modelDiff(db, table, `snapshot_${table}`);
      t.ok(diff.rows > 0, `${table}: ${diff.rows} rows`);
      t.same({ missing: diff.missing, extra: diff.extra }, { missing: 0, extra: 0 }, `${table} equals the live model row for row`);
      t.same(await catalog(db, table), before.get(table), `${table}: same indexes, constraints, policies, grants, RLS and triggers`);
    }
    const checkpoint = await loadCheckpoint(db, projector.name);
    t.match(checkpoint, { version: projector.version, state: 'live', lastError: null }, `${projector.name}: live checkpoint at the code's version`);
    t.equal(await loadCheckpoint(db, `${projector.name}:rebuild`), undefined, 'the rebuild checkpoint is gone');
  }
  t.same(await leftovers(db), [], 'no __next or __old table is left');

  // The API role reads the swapped tables through the copied grants and policies.
  const { rows } = await sql<{ tenant: string }>`select tenant_id as tenant from subscriptions limit 1`.execute(db);
  const tenant = rows[0]!.tenant;
  const seen = await withReadScope(db, { tenantId: tenant }, async (trx) => {
    const { rows: mine } = await sql<{ tenants: string[] }>`select array_agg(distinct tenant_id) as tenants from subscriptions`.execute(trx);
    return mine[0]!.tenants;
  });
  t.same(seen, [tenant], 'the tenant policy still scopes reads');
});

t.test('rebuilding while clients read and write continuously: every read succeeds and no count ever goes down', async (t) => {
  const { db } = await testDatabase(t, { poolMax: 16 });
  await appendBacklog(db, { count: 6_000, creators: 10, wallets: 300 });
  const tenants = Array.from({ length: 10 }, (_, i) => address(`creator-${i}`));
  const stop = new AbortController();
  t.teardown(() => stop.abort());
  const deadline = Date.now() + 60_000;
  const running = () => !stop.signal.aborted && Date.now() < deadline;

  const following = runProjectors(db, MODELS, { batchSize: 500, pollIntervalMs: 10, signal: stop.signal });
  let written = 0;
  const writer = (async () => {
    for (let round = 0; running(); round++) {
      const events = tenants.map((creator, i) => subEvent('SubscriptionBilled', address(`writer-${i}`), creator,
        { amount: '1000000000', billedAt: at(round), merchantReferenceId: null, receiptHash: null }));
      await appendToStreams(db, appendsFor(events));
      written += events.length;
      await sleep(5);
    }
  })();
  const failures: string[] = [];
  const decreases: string[] = [];
  let reads = 0;
  const reader = async (tenant: string) => {
    let last = { rows: 0, bills: 0n, facts: 0, revenue: 0n };
    while (running()) {
      try {
        // Daily amounts before facts: the opposite order to the swap's locks.
        const now = await withReadScope(db, { tenantId: tenant }, async (trx) => {
          const daily = await sql<{ revenue: string }>`select coalesce(sum(amount), 0)::text as revenue from analytics_daily_amounts where metric = 'revenue'`.execute(trx);
          const facts = await sql<{ n: number }>`select count(*)::int as n from analytics_subscription_facts`.execute(trx);
          const subs = await sql<{ n: number; bills: string }>`select count(*)::int as n, coalesce(sum(bills_count), 0)::text as bills from subscriptions`.execute(trx);
          return { rows: subs.rows[0]!.n, bills: BigInt(subs.rows[0]!.bills), facts: facts.rows[0]!.n, revenue: BigInt(daily.rows[0]!.revenue) };
        });
        reads += 1;
        if (now.rows < last.rows || now.bills < last.bills || now.facts < last.facts || now.revenue < last.revenue) {
          decreases.push(`${tenant}: ${JSON.stringify(last, (_, v) => (typeof v === 'bigint' ? v.toString() : v))} → ${JSON.stringify(now, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
        }
        last = now;
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const readers = tenants.slice(0, 4).map(reader);
  try {
    for (const projector of [subscriptionsProjector, creatorAnalyticsProjector]) {
      const result = await rebuildProjector(db, projector, { batchSize: 500 });
      t.ok(result.swapped, `${projector.name} swapped in while ${written} events were written so far`);
    }
  } finally {
    stop.abort();
    await Promise.all([following, writer, ...readers]);
  }
  t.ok(Date.now() < deadline, 'finished before the deadline');
  t.ok(reads > 20, `${reads} reads during the rebuilds`);
  t.same(failures, [], 'every read succeeded');
  t.same(decreases, [], 'no count went down');

  // Quiet now: the live model (rebuilt, then followed) equals a clean build of the whole log.
  await catchUp(db, subscriptionsProjector, { batchSize: 5_000 });
  await sql`create table reference_subscriptions (like subscriptions including all)`.execute(db);
  await catchUp(db, createSubscriptionsProjector({ name: 'reference', table: 'reference_subscriptions' }), { batchSize: 5_000 });
  const diff = await modelDiff(db, 'subscriptions', 'reference_subscriptions');
  t.same({ missing: diff.missing, extra: diff.extra }, { missing: 0, extra: 0 }, `subscriptions (${diff.rows} rows) equals a clean build`);
  const writers = tenants.map((_, i) => address(`writer-${i}`));
  const { rows } = await sql<{ bills: string }>`select sum(bills_count)::text as bills from subscriptions where subscriber = any(${writers}::text[])`.execute(db);
  t.equal(rows[0]!.bills, String(written), 'every written bill is in the model exactly once');
});
