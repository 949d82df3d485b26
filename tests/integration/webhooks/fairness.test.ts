import { sql } from 'kysely';
import t from 'tap';
import { createPostgresEventStore } from '../../../eventstore/postgres/store.ts';
import { claimDueDeliveries } from '../../../integration/webhooks/deliveries.ts';
import { deliverDue } from '../../../integration/webhooks/worker.ts';
import type { Db } from '../../../platform/database.ts';
import { testApp } from '../../support/app.ts';
import { address, subEvent } from '../../support/subscription-events.ts';
import { dispatchAll, registerEndpoint, testWorkerOptions } from '../../support/webhook-flow.ts';
import { webhookReceiver } from '../../support/webhook-receiver.ts';

// The class: a shared queue served in log order lets the tenant with the most due work take every
// slot (starvation). Whatever the backlog of one tenant, every tenant with something due gets a
// slot in the very next batch, and no tenant takes more than its share of a batch.

/** `count` due deliveries of one endpoint, each the head of its own stream, older than anything dispatched later. */
async function backlog(db: Db, endpointId: string, tenant: string, count: number): Promise<void> {
  await sql`
    insert into webhook_deliveries (endpoint_id, tenant_id, event_id, event_type, stream_id, payload)
    select ${endpointId}, ${tenant}, gen_random_uuid(), 'SubscriptionBilled', 'subscription-backlog-' || i, '{}'
    from generate_series(1, ${count}) i`.execute(db);
}

async function tenantWithOne(app: Awaited<ReturnType<typeof testApp>>, label: string, url: string): Promise<string> {
  const creator = address(label);
  await registerEndpoint(app.app, `Bearer ${await app.token(creator, creator)}`, url);
  const event = subEvent('SubscriptionRequested', address(`${label}-sub`), creator, { tier: 'gold', token: address('token', 'C'), ratePerSecond: '1', requestedAt: '2026-11-01T00:00:00Z', expiresAt: '2026-11-02T00:00:00Z' });
  await createPostgresEventStore(app.database.db).append(`subscription-${address(`${label}-sub`)}-${creator}`, [event]);
  return creator;
}

t.test('a tenant with thousands of due deliveries does not hold up another tenant’s one: it is sent in the first batch', async (t) => {
  const setup = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const { db } = setup.database;
  const flood = address('fair-flood');
  const slow = await webhookReceiver(t);
  const floodOwner = `Bearer ${await setup.token(flood, flood)}`;
  const floodEndpoint = await registerEndpoint(setup.app, floodOwner, slow.url);
  await backlog(db, floodEndpoint.id, flood, 3000);
  const quiet = await webhookReceiver(t);
  await tenantWithOne(setup, 'fair-quiet', quiet.url);
  await dispatchAll(db);

  const sent = await deliverDue(db, testWorkerOptions());
  t.equal(sent, 8, 'a full batch (no cap: the flooding tenant takes the slots the others leave)');
  t.equal(quiet.received.length, 1, 'the quiet tenant’s delivery went out in the first batch');
  t.ok(slow.received.length < sent, `the flooding tenant did not take every slot (${slow.received.length} of ${sent})`);

  await backlog(db, (await registerEndpoint(setup.app, `Bearer ${await setup.token(address('fair-third'), address('fair-third'))}`, quiet.url)).id, address('fair-third'), 1);
  const capped = await claimDueDeliveries(db, { limit: 8, perTenant: 3, leaseMs: 60_000 });
  t.same(capped.map((d) => d.tenant_id).filter((tenant) => tenant === flood).length, 3, 'with a per-tenant cap of 3, the flooding tenant gets 3 slots');
  t.equal(capped.length, 4, 'and the batch holds only what the cap leaves (3 + the third tenant’s 1)');
});

t.test('matrix: backlogs of any size, several tenants — every tenant with something due is in the next claim, none over its share', async (t) => {
  const setup = await testApp(t, { OUTBOUND_ALLOW_PRIVATE: 'true' });
  const { db } = setup.database;
  const receiver = await webhookReceiver(t);
  const limit = testWorkerOptions().concurrency;
  for (const [i, sizes] of [[1, 1], [3000, 1], [3000, 2, 1], [500, 500, 500, 1], [10, 10, 10, 10, 10, 10, 10, 10]].entries()) {
    await db.deleteFrom('webhook_deliveries').execute();
    const tenants: string[] = [];
    for (const [j, size] of sizes.entries()) {
      const tenant = address(`fair-${i}-${j}`);
      const endpoint = await registerEndpoint(setup.app, `Bearer ${await setup.token(tenant, tenant)}`, receiver.url);
      await backlog(db, endpoint.id, tenant, size);
      tenants.push(tenant);
    }
    const claimed = await claimDueDeliveries(db, { limit, leaseMs: 60_000 });
    const perTenant = new Map<string, number>();
    for (const d of claimed) perTenant.set(d.tenant_id, (perTenant.get(d.tenant_id) ?? 0) + 1);
    const total = sizes.reduce((a, b) => a + b, 0);
    t.equal(claimed.length, Math.min(limit, total), `${sizes.join('/')}: the batch is as full as the due work allows`);
    t.same(new Set(perTenant.keys()), new Set(tenants), `${sizes.join('/')}: every tenant is served`);
    const counts = tenants.map((tenant) => perTenant.get(tenant) ?? 0);
    // Round-robin: a tenant left with due work never has two fewer slots than another tenant.
    const fair = counts.every((c, k) => c >= sizes[k]! || counts.every((other) => c >= other - 1));
    t.ok(fair, `${sizes.join('/')}: slots shared round-robin (${counts.join('/')})`);
    await db.deleteFrom('webhook_endpoints').execute();
  }
});
