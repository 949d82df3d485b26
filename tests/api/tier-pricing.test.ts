import t from 'tap';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, testApp, type TestApp } from '../support/app.ts';
import { randomContract } from '../support/stream-events.ts';
import { appendsFor, at, subEvent } from '../support/subscription-events.ts';

const MONTH = 2_592_000;
const TOKEN = randomContract();

async function project(harness: TestApp) {
  for (const projector of allProjectors) await catchUp(harness.database.db, projector);
}

async function creatorWith(harness: TestApp, tiers: unknown[]) {
  const creator = randomAccount();
  const headers = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  const registered = await harness.app.inject({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Cy' } });
  if (registered.statusCode !== 201) throw new Error(registered.body);
  const set = await harness.app.inject({ method: 'PUT', url: '/v1/creators/me/tiers', headers, payload: { tiers } });
  return { creator, headers, set };
}

t.test('$1 per 30 days: listed exactly, streamed at no more than $1, MRR no more than $1', async (t) => {
  const harness = await testApp(t);
  const { app } = harness;
  const listed = { kind: 'period', amount: '10000000', periodSeconds: MONTH };
  const { creator, headers, set } = await creatorWith(harness, [{ name: 'bronze', token: TOKEN, price: listed }]);
  t.equal(set.statusCode, 200, set.body);

  const subscriber = randomAccount();
  const subscribed = await app.inject({
    method: 'POST', url: '/v1/subscriptions', headers: { authorization: `Bearer ${await harness.token(subscriber)}` }, payload: { creator, tier: 'bronze' },
  });
  t.equal(subscribed.statusCode, 202, subscribed.body);
  const rate = BigInt(subscribed.json().contractCall.args[3].value);
  t.ok(rate * BigInt(MONTH) <= 10_000_000n, `the call streams ${rate} a second: ${rate * BigInt(MONTH)} per 30 days, never above the listed 10000000`);
  t.equal(rate, 3n, 'rounded down: 10000000 / 2592000 = 3.858…');

  // The chain activates the subscription at the rate the wallet signed.
  await appendToStreams(harness.database.db, appendsFor([
    subEvent('SubscriptionActivated', subscriber, creator, { token: TOKEN, ratePerSecond: rate.toString(), planId: null, activatedAt: at(10) }, 10),
  ]));
  await project(harness);

  const profile = await app.inject({ method: 'GET', url: `/v1/creators/${creator}` });
  t.same(profile.json().tiers, [{ name: 'bronze', token: TOKEN, price: listed, streamedRatePerSecond: '3' }], 'the price as listed, and the rate the contract streams for it');

  const me = await app.inject({ method: 'GET', url: '/v1/analytics/creators/me', headers });
  t.equal(me.statusCode, 200, me.body);
  const [mrr] = me.json().mrr;
  t.same(mrr, { token: TOKEN, amount: '7776000' }, 'MRR is what the chain streams: 3 × 2,592,000');
  t.ok(BigInt(mrr.amount) <= 10_000_000n, 'never above the listed price');
});

t.test('tiers that would stream the same rate: 422 CREATOR.TIERS_SAME_RATE in the Error shape; too cheap: 422 CREATOR.PRICE_TOO_LOW', async (t) => {
  const harness = await testApp(t);
  const { set } = await creatorWith(harness, [
    { name: 'bronze', token: TOKEN, price: { kind: 'period', amount: '50000000', periodSeconds: MONTH } },
    { name: 'silver', token: TOKEN, price: { kind: 'period', amount: '51000000', periodSeconds: MONTH } },
  ]);
  t.equal(set.statusCode, 422, set.body);
  t.match(set.json(), { code: 'CREATOR.TIERS_SAME_RATE', message: String, details: { tiers: ['bronze', 'silver'], ratePerSecond: '19' }, requestId: String });

  const { set: cheap } = await creatorWith(harness, [{ name: 'bronze', token: TOKEN, price: { kind: 'period', amount: '2591999', periodSeconds: MONTH } }]);
  t.equal(cheap.statusCode, 422, cheap.body);
  t.match(cheap.json(), { code: 'CREATOR.PRICE_TOO_LOW', details: { tier: 'bronze', minimumAmount: '2592000' }, requestId: String });
});
