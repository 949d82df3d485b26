import t from 'tap';
import fc from 'fast-check';
import { sql } from 'kysely';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { getCreator } from '../../projections/creators/queries.ts';
import { withReadScope, type ReadScope } from '../../projections/read-scope.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import type { SubscriptionStatus } from '../../projections/subscriptions/fold.ts';
import { getSubscription, listSubscribers, listWalletSubscriptions, type Subscription } from '../../projections/subscriptions/queries.ts';
import { testDatabase } from '../support/database.ts';
import { address, appendsFor, at, creatorEvent, subEvent } from '../support/subscription-events.ts';

const tenants = [address('tenant-a'), address('tenant-b')];
const wallets = Array.from({ length: 24 }, (_, i) => address(`wallet-${i}`));
const facts = ['SubscriptionActivated', 'SubscriptionBilled', 'TrialStarted', 'GracePeriodStarted', 'SubscriptionCancelled'] as const;

t.test('row-level security scopes every read model query', async (t) => {
  const { db } = await testDatabase(t);
  const events = tenants.flatMap((tenant, ti) => [
    creatorEvent('CreatorRegistered', tenant, { displayName: `Creator ${ti}`, registeredAt: at(0) }),
    // Wallet i subscribes to tenant A when i % 3 != 2 and to tenant B when i % 2 == 0: some to both.
    ...wallets.filter((_, i) => (ti === 0 ? i % 3 !== 2 : i % 2 === 0)).map((wallet, i) => {
      const type = facts[i % facts.length]!;
      const data: Record<string, unknown> = {
        SubscriptionActivated: { token: null, ratePerSecond: '3', planId: null, activatedAt: at(i) },
        SubscriptionBilled: { amount: String(i + 1), billedAt: at(i), merchantReferenceId: null, receiptHash: null },
        TrialStarted: { trialEndsAt: at(i + 100), startedAt: at(i), merchantReferenceId: null },
        GracePeriodStarted: { dunningStartedAt: at(i), graceEndsAt: at(i + 100), merchantReferenceId: null },
        SubscriptionCancelled: { refundAmount: '0', cancelledAt: at(i) },
      }[type]!;
      return subEvent(type, wallet, tenant, data);
    }),
  ]);
  await appendToStreams(db, appendsFor(events));
  for (const projector of allProjectors) await catchUp(db, projector);
  const all = (await sql<{ subscription_id: string; tenant_id: string; subscriber: string; status: SubscriptionStatus }>`
    select subscription_id, tenant_id, subscriber, status from subscriptions order by subscription_id`.execute(db)).rows;
  t.equal(all.length, 16 + 12, 'subscriptions across two tenants, some wallets at both');
  const [a, b] = tenants as [string, string];
  const ofA = all.filter((r) => r.tenant_id === a);
  const ofB = all.filter((r) => r.tenant_id === b);
  const both = wallets.find((w) => ofA.some((r) => r.subscriber === w) && ofB.some((r) => r.subscriber === w))!;

  t.test('the api role owns nothing, cannot log in, cannot bypass RLS, and may only select read models', async (t) => {
    const { rows } = await sql<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>`
      select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = 'substream_api'`.execute(db);
    t.same(rows, [{ rolsuper: false, rolbypassrls: false, rolcanlogin: false }]);
    const owned = await sql<{ n: number }>`select count(*)::int as n from pg_tables where tableowner = 'substream_api'`.execute(db);
    t.equal(owned.rows[0]!.n, 0);
    const flags = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>`
      select relname, relrowsecurity, relforcerowsecurity from pg_class where relname in ('creators', 'subscriptions') order by relname`.execute(db);
    t.same(flags.rows.map((r) => [r.relname, r.relrowsecurity, r.relforcerowsecurity]), [['creators', true, true], ['subscriptions', true, true]]);
    for (const statement of [
      // It appends events and reads checkpoints (migrations/20261205030000-runtime-roles.ts), never rewrites them.
      sql`update events set data = '{}'`,
      sql`delete from projection_checkpoints`,
      sql`delete from subscriptions`,
      sql`update creators set display_name = 'x'`,
      sql`insert into subscriptions (tenant_id, subscription_id, subscriber, creator, status, updated_at) values ('t', 't', 't', 't', 'none', now())`,
    ]) {
      await t.rejects(db.transaction().execute(async (trx) => {
        await sql`set local role substream_api`.execute(trx);
        await sql`select set_config('app.current_tenant_id', ${a}, true)`.execute(trx);
        await statement.execute(trx);
      }), /permission denied/);
    }
  });

  t.test('direct SQL as substream_api sees only its scope', async (t) => {
    const count = (tenant: string | null, wallet: string | null) =>
      db.transaction().execute(async (trx) => {
        await sql`set local role substream_api`.execute(trx);
        if (tenant !== null) await sql`select set_config('app.current_tenant_id', ${tenant}, true)`.execute(trx);
        if (wallet !== null) await sql`select set_config('app.current_wallet', ${wallet}, true)`.execute(trx);
        const { rows } = await sql<{ n: number; foreign: number }>`
          select count(*)::int as n,
            count(*) filter (where tenant_id is distinct from ${tenant} and subscriber is distinct from ${wallet})::int as foreign
          from subscriptions`.execute(trx);
        return rows[0]!;
      });
    t.same(await count(null, null), { n: 0, foreign: 0 }, 'nothing without a tenant or wallet');
    t.same(await count('', ''), { n: 0, foreign: 0 }, 'nothing with empty settings');
    t.same(await count(a, null), { n: ofA.length, foreign: 0 });
    t.same(await count(b, null), { n: ofB.length, foreign: 0 });
    t.same(await count(null, both), { n: 2, foreign: 0 }, 'a subscriber sees its own rows at both creators');
    t.same(await count(address('nobody'), null), { n: 0, foreign: 0 });
    const creators = await db.transaction().execute(async (trx) => {
      await sql`set local role substream_api`.execute(trx);
      return (await sql<{ n: number }>`select count(*)::int as n from creators`.execute(trx)).rows[0]!.n;
    });
    t.equal(creators, 2, 'the creator directory is public');
  });

  t.test('every query function through withReadScope', async (t) => {
    const none = await withReadScope(db, {}, async (trx) => ({
      get: await getSubscription(trx, ofA[0]!.subscription_id),
      wallet: await listWalletSubscriptions(trx, both),
      list: await listSubscribers(trx, { limit: 100 }),
      creator: await getCreator(trx, a),
    }));
    t.equal(none.get, undefined);
    t.same(none.wallet, []);
    t.same(none.list, { items: [], nextCursor: null });
    t.equal(none.creator?.displayName, 'Creator 0');

    const asA = await withReadScope(db, { tenantId: a }, async (trx) => ({
      own: await getSubscription(trx, ofA[0]!.subscription_id),
      foreign: await getSubscription(trx, ofB[0]!.subscription_id),
      wallet: await listWalletSubscriptions(trx, both),
      list: await listSubscribers(trx, { limit: 1000 }),
    }));
    t.equal(asA.own?.tenantId, a);
    t.equal(asA.foreign, undefined);
    t.same(asA.wallet.map((s) => s.tenantId), [a]);
    t.same(asA.list.items.map((s) => s.subscriptionId), ofA.map((r) => r.subscription_id));

    const asWallet = await withReadScope(db, { wallet: both }, async (trx) => ({
      mine: await listWalletSubscriptions(trx, both),
      other: await listWalletSubscriptions(trx, wallets.find((w) => w !== both)!),
      list: await listSubscribers(trx, { limit: 100 }),
    }));
    t.same(asWallet.mine.map((s) => s.tenantId).sort(), [a, b].sort());
    t.same(asWallet.other, []);
    t.same(asWallet.list.items, [], 'listSubscribers is for tenants only');
    await t.rejects(withReadScope(db, { tenantId: a }, (trx) => listSubscribers(trx, { limit: 5, cursor: 'garbage!' })), { code: 'PAGINATION.INVALID_CURSOR' });
    await t.rejects(withReadScope(db, { tenantId: a }, (trx) => sql`insert into creators (tenant_id, address, updated_at) values ('x', 'x', now())`.execute(trx)), /read-only|permission denied/);
  });

  t.test('keyset pagination walks every row exactly once, with and without a status filter', async (t) => {
    for (const status of [undefined, 'active', 'cancelled'] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Subscription[]; nextCursor: string | null } = await withReadScope(db, { tenantId: a }, (trx) => listSubscribers(trx, { status, cursor, limit: 4 }));
        t.ok(page.items.length <= 4);
        seen.push(...page.items.map((s) => s.subscriptionId));
        cursor = page.nextCursor;
      } while (cursor);
      t.same(seen, ofA.filter((r) => !status || r.status === status).map((r) => r.subscription_id), `status ${status ?? 'any'}`);
    }
  });

  t.test('property: every row any scope returns belongs to that scope (1,000 cases)', async (t) => {
    const someone = fc.oneof(fc.constantFrom(...tenants, ...wallets), fc.string({ maxLength: 8 }), fc.constant(''));
    const scope = fc.record({ tenantId: someone, wallet: someone }, { requiredKeys: [] });
    const query = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), id: fc.oneof(fc.constantFrom(...all.map((r) => r.subscription_id)), fc.string()) }),
      fc.record({ kind: fc.constant('wallet' as const), wallet: someone }),
      fc.record({
        kind: fc.constant('list' as const),
        status: fc.option(fc.constantFrom<SubscriptionStatus>('active', 'trialing', 'grace', 'cancelled', 'none'), { nil: undefined }),
        limit: fc.integer({ min: 1, max: 60 }),
      }),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(scope, query, async (s: ReadScope, q) => {
        runs += 1;
        const rows = await withReadScope(db, s, async (trx): Promise<Subscription[]> => {
          if (q.kind === 'get') return [await getSubscription(trx, q.id)].filter((r) => r !== undefined);
          if (q.kind === 'wallet') return listWalletSubscriptions(trx, q.wallet);
          return (await listSubscribers(trx, { status: q.status, limit: q.limit })).items;
        });
        const visible = (r: { tenant_id: string; subscriber: string }) =>
          (!!s.tenantId && r.tenant_id === s.tenantId) || (!!s.wallet && r.subscriber === s.wallet);
        for (const row of rows) {
          if (!visible({ tenant_id: row.tenantId, subscriber: row.subscriber })) return false;
          if (q.kind === 'list' && row.tenantId !== s.tenantId) return false;
        }
        // And nothing the scope may see is missing.
        const expected =
          q.kind === 'get' ? all.filter((r) => r.subscription_id === q.id && visible(r))
          : q.kind === 'wallet' ? all.filter((r) => r.subscriber === q.wallet && visible(r))
          : all.filter((r) => r.tenant_id === s.tenantId && (!q.status || r.status === q.status)).slice(0, q.limit);
        return expected.length === rows.length;
      }),
      { numRuns: 1_000 },
    );
    t.equal(runs, 1_000);
  });
});
