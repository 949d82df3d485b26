import t from 'tap';
import { catchUp } from '../../projections/runner.ts';
import { allProjectors } from '../../projections/registry.ts';
import { randomAccount, randomMuxedAccount, TEST_CONTRACT_ID, testApp, type TestApp } from '../support/app.ts';

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';

async function project(harness: TestApp) {
  for (const projector of allProjectors) await catchUp(harness.database.db, projector);
}

async function asCreator(harness: TestApp, name: string) {
  const creator = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  const registered = await harness.app.inject({ method: 'POST', url: '/v1/creators', headers: auth, payload: { displayName: name } });
  if (registered.statusCode !== 201) throw new Error(registered.body);
  const tiers = await harness.app.inject({
    method: 'PUT',
    url: '/v1/creators/me/tiers',
    headers: auth,
    payload: {
      tiers: [
        { name: 'bronze', token: TOKEN, price: { kind: 'rate', ratePerSecond: '5' } },
        { name: 'gold', token: TOKEN, price: { kind: 'period', amount: '25920000', periodSeconds: 2592000 } },
      ],
    },
  });
  if (tiers.statusCode !== 200) throw new Error(tiers.body);
  return { creator, auth };
}

async function subscribe(harness: TestApp, creator: string, tier = 'bronze') {
  const subscriber = randomAccount();
  const auth = { authorization: `Bearer ${await harness.token(subscriber)}` };
  const response = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { creator, tier } });
  return { subscriber, auth, response };
}

t.test('subscribe → pending with the contract call → read back through the read model', async (t) => {
  const harness = await testApp(t);
  const { app } = harness;
  const { creator } = await asCreator(harness, 'Ada');

  const profile = await app.inject({ method: 'GET', url: `/v1/creators/${creator}` });
  t.equal(profile.statusCode, 404, 'not projected yet');
  await project(harness);
  const shown = await app.inject({ method: 'GET', url: `/v1/creators/${creator}` });
  t.equal(shown.statusCode, 200);
  t.equal(shown.json().displayName, 'Ada');
  t.same(shown.json().tiers.map((tier: { name: string }) => tier.name), ['bronze', 'gold']);

  const { subscriber, auth, response } = await subscribe(harness, creator, 'gold');
  t.equal(response.statusCode, 202, response.body);
  const body = response.json();
  t.equal(body.subscriptionId, `${subscriber}-${creator}`);
  t.equal(body.status, 'pending');
  t.equal(body.contractCall.contractId, TEST_CONTRACT_ID);
  t.equal(body.contractCall.function, 'subscribe');
  t.same(body.contractCall.args.map((a: { name: string }) => a.name), ['subscriber', 'creator', 'token', 'rate_per_second']);
  t.equal(body.contractCall.args[3].value, '10', 'gold: 25,920,000 per 30 days = 10 a second');

  await project(harness);
  const read = await app.inject({ method: 'GET', url: `/v1/subscriptions/${body.subscriptionId}`, headers: auth });
  t.equal(read.statusCode, 200, read.body);
  t.match(read.json(), { subscriptionId: body.subscriptionId, subscriber, creator, status: 'pending', tier: 'gold', ratePerSecond: '10', totalBilled: '0' });
  t.notOk('tenantId' in read.json(), 'the response schema filters internal columns');

  const mine = await app.inject({ method: 'GET', url: '/v1/me/subscriptions', headers: auth });
  t.same(mine.json().items.map((s: { subscriptionId: string }) => s.subscriptionId), [body.subscriptionId]);

  const again = await subscribe(harness, creator);
  t.equal(again.response.statusCode, 202);
  const twice = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { creator, tier: 'gold' } });
  t.equal(twice.statusCode, 422);
  t.equal(twice.json().code, 'SUBSCRIPTION.ALREADY_PENDING');
  const unknownTier = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: again.auth, payload: { creator, tier: 'platinum' } });
  t.equal(unknownTier.statusCode, 422);
  t.equal(unknownTier.json().code, 'SUBSCRIPTION.UNKNOWN_TIER');
});

t.test('cancel a pending request, with the subscription id in the path', async (t) => {
  const harness = await testApp(t);
  const { creator } = await asCreator(harness, 'Bo');
  const { auth, response } = await subscribe(harness, creator);
  const id = response.json().subscriptionId as string;
  const cancelled = await harness.app.inject({ method: 'POST', url: `/v1/subscriptions/${id}/cancel`, headers: auth });
  t.equal(cancelled.statusCode, 202, cancelled.body);
  await project(harness);
  const read = await harness.app.inject({ method: 'GET', url: `/v1/subscriptions/${id}`, headers: auth });
  t.equal(read.json().status, 'cancelled');
  const stranger = { authorization: `Bearer ${await harness.token(randomAccount())}` };
  const forbidden = await harness.app.inject({ method: 'POST', url: `/v1/subscriptions/${id}/cancel`, headers: stranger });
  t.equal(forbidden.statusCode, 403);
  const bogus = await harness.app.inject({ method: 'POST', url: '/v1/subscriptions/not-an-id/cancel', headers: auth });
  t.ok(bogus.statusCode === 400 || bogus.statusCode === 404, `bogus id → ${bogus.statusCode}`);
});

t.test('tenants see only their own subscribers, paged by keyset cursor', async (t) => {
  const harness = await testApp(t);
  const a = await asCreator(harness, 'A');
  const b = await asCreator(harness, 'B');
  const ofA: string[] = [];
  for (let i = 0; i < 5; i++) ofA.push((await subscribe(harness, a.creator)).response.json().subscriptionId);
  const ofB = (await subscribe(harness, b.creator)).response.json().subscriptionId as string;
  await project(harness);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/v1/creators/me/subscribers?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await harness.app.inject({ method: 'GET', url, headers: a.auth });
    t.equal(page.statusCode, 200, page.body);
    t.ok(page.json().items.length <= 2);
    seen.push(...page.json().items.map((s: { subscriptionId: string }) => s.subscriptionId));
    cursor = page.json().nextCursor;
  } while (cursor);
  t.same(seen.sort(), [...ofA].sort(), 'every subscriber of A once, none of B');

  const crossTenant = await harness.app.inject({ method: 'GET', url: `/v1/subscriptions/${ofB}`, headers: a.auth });
  t.equal(crossTenant.statusCode, 404, "A cannot read B's subscription");
  const ownByB = await harness.app.inject({ method: 'GET', url: `/v1/subscriptions/${ofB}`, headers: b.auth });
  t.equal(ownByB.statusCode, 200);
  const noTenant = await harness.app.inject({ method: 'GET', url: '/v1/creators/me/subscribers', headers: { authorization: `Bearer ${await harness.token(randomMuxedAccount())}` } });
  t.equal(noTenant.statusCode, 403);
  t.equal(noTenant.json().code, 'AUTH.TENANT_REQUIRED');
});
