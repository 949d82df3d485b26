import { sql } from 'kysely';
import t from 'tap';
import { creatorStreamId } from '../../domain/creator/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { syncStripeCatalogBatch } from '../../integration/stripe-catalog.ts';
import { createStripeClient } from '../../platform/stripe.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { catalogueStandIn } from '../support/stripe-catalog-stand-in.ts';
import { stripeStandIn } from '../support/stripe-stand-in.ts';

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';

t.test('TiersSet → a Stripe Product per creator and a Price per card tier; a changed price is archived and replaced, never edited', async (t) => {
  const standIn = await stripeStandIn(t, catalogueStandIn().answer);
  const harness = await testApp(t);
  const db = harness.database.db;
  const store = createPostgresEventStore(db);
  const stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_standin123', STRIPE_API_BASE: standIn.url })!;
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  await harness.app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: 'Ada' } });
  const setTiers = async (gold: string, silverCard: boolean) => {
    const response = await harness.app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers: auth, payload: { tiers: [
      { name: 'bronze', token: TOKEN, price: { kind: 'rate', ratePerSecond: '5' } },
      { name: 'silver', token: TOKEN, price: { kind: 'rate', ratePerSecond: '20' }, ...(silverCard ? { card: { currency: 'EUR', amount: '500' } } : {}) },
      { name: 'gold', token: TOKEN, price: { kind: 'rate', ratePerSecond: '50' }, card: { currency: 'eur', amount: gold } },
    ] } });
    t.equal(response.statusCode, 200, response.body);
    return (await store.readStream(creatorStreamId(creator))).filter((e) => e.type === 'TiersSet').at(-1)!.id;
  };
  const synced = async () => (await store.readStream(creatorStreamId(creator))).filter((e) => e.type === 'StripeCatalogSynced');

  const first = await setTiers('900', false);
  const step = await syncStripeCatalogBatch(db, store, stripe, { batchSize: 100 });
  t.equal(step.synced, 1);
  t.same(standIn.requests.map((r) => [r.method, r.path, r.idempotencyKey]), [
    ['POST', '/v1/products', `${first}:product`],
    ['POST', '/v1/prices', `${first}:price:gold`],
  ]);
  t.match(Object.fromEntries(standIn.requests[0]!.form), { name: 'Ada', 'metadata[creator]': creator });
  t.same(Object.fromEntries(standIn.requests[1]!.form), {
    product: 'prod_standin1', currency: 'eur', unit_amount: '900', 'recurring[interval]': 'month', 'metadata[creator]': creator, 'metadata[tier]': 'gold',
  });
  const [record] = await synced();
  t.match(record, { metadata: { source: 'stripe', causationId: first }, data: { creator, productId: 'prod_standin1', account: null, archivedPriceIds: [] } });
  t.same((record!.data as { prices: unknown }).prices, [{ tier: 'gold', priceId: 'price_standin1', currency: 'EUR', amount: '900' }]);

  t.equal((await syncStripeCatalogBatch(db, store, stripe, { batchSize: 100 })).synced, 0, 'its own checkpoint: nothing twice');
  await sql`delete from outbox_checkpoints where name = 'stripe-catalog'`.execute(db);
  t.equal((await syncStripeCatalogBatch(db, store, stripe, { batchSize: 100 })).synced, 0, 'a replay from the start skips TiersSet already synced');
  t.equal(standIn.requests.length, 2);

  const second = await setTiers('1200', true);
  await syncStripeCatalogBatch(db, store, stripe, { batchSize: 100 });
  t.same(standIn.requests.slice(2).map((r) => [r.method, r.path, r.idempotencyKey]), [
    ['POST', '/v1/prices', `${second}:price:silver`],
    ['POST', '/v1/prices', `${second}:price:gold`],
    ['POST', '/v1/prices/price_standin1', `${second}:archive:price_standin1`],
  ], 'no second product; the old gold price archived, not edited');
  t.same(Object.fromEntries(standIn.requests[3]!.form), { currency: 'eur', product: 'prod_standin1', unit_amount: '1200', 'recurring[interval]': 'month', 'metadata[creator]': creator, 'metadata[tier]': 'gold' });
  t.same(Object.fromEntries(standIn.requests[4]!.form), { active: 'false' });
  const latest = (await synced()).at(-1)!.data as { prices: { tier: string; priceId: string }[]; archivedPriceIds: string[] };
  t.same(latest.prices.map((p) => [p.tier, p.priceId]), [['silver', 'price_standin2'], ['gold', 'price_standin3']]);
  t.same(latest.archivedPriceIds, ['price_standin1']);
});
