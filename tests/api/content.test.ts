import t from 'tap';
import { sql } from 'kysely';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import type { NewEvent } from '../../eventstore/types.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, randomMuxedAccount, testApp, type TestApp } from '../support/app.ts';
import { at, subEvent } from '../support/subscription-events.ts';

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
/** Per-second rates: bronze 5, silver 8, gold 25,920,000 per 30 days = 10. */
const RATES = { bronze: '5', silver: '8', gold: '10' } as const;
type TierName = keyof typeof RATES;
const RANK: Record<TierName, number> = { bronze: 0, silver: 1, gold: 2 };
const STATUSES = ['none', 'pending', 'trialing', 'active', 'grace', 'cancelled', 'expired'] as const;
type Status = (typeof STATUSES)[number];
/** The expected reason per status, written out here rather than taken from the code under test. */
const REASON: Record<Status, string> = {
  none: 'NO_SUBSCRIPTION', pending: 'SUBSCRIPTION_PENDING', trialing: 'SUBSCRIPTION_TRIALING', active: 'SUBSCRIPTION_ACTIVE',
  grace: 'SUBSCRIPTION_GRACE', cancelled: 'SUBSCRIPTION_CANCELLED', expired: 'SUBSCRIPTION_EXPIRED',
};

async function project(harness: TestApp) {
  for (const projector of allProjectors) await catchUp(harness.database.db, projector);
}

async function asCreator(harness: TestApp, tiers: TierName[] = ['bronze', 'silver', 'gold']) {
  const creator = randomAccount();
  const headers = { authorization: `Bearer ${await harness.token(creator, creator)}` };
  const registered = await harness.app.inject({ method: 'POST', url: '/v1/creators', headers, payload: { displayName: 'Creator' } });
  if (registered.statusCode !== 201) throw new Error(registered.body);
  const price = (name: TierName) =>
    name === 'gold' ? { kind: 'period', amount: '25920000', periodSeconds: 2592000 } : { kind: 'rate', ratePerSecond: RATES[name] };
  const set = await harness.app.inject({
    method: 'PUT', url: '/v1/creators/me/tiers', headers, payload: { tiers: tiers.map((name) => ({ name, token: TOKEN, price: price(name) })) },
  });
  if (set.statusCode !== 200) throw new Error(set.body);
  return { creator, headers };
}

async function publish(harness: TestApp, headers: Record<string, string>, minTier: string, title = `${minTier} item`) {
  const response = await harness.app.inject({ method: 'POST', url: '/v1/content', headers, payload: { title, minTier, url: `https://cdn.example.com/${minTier}/${title.length}` } });
  if (response.statusCode !== 201) throw new Error(response.body);
  return response.json() as { contentId: string; url: string };
}

/** The subscriber's stream for a status, as commands (intents) and the indexer (chain facts) write it. */
function historyFor(status: Status, subscriber: string, creator: string, tier: TierName): NewEvent[] {
  const requested = subEvent('SubscriptionRequested', subscriber, creator, {
    tier, token: TOKEN, ratePerSecond: RATES[tier], requestedAt: at(0), expiresAt: at(86_400),
  });
  const activated = subEvent('SubscriptionActivated', subscriber, creator, { token: TOKEN, ratePerSecond: RATES[tier], planId: null, activatedAt: at(10) }, 10);
  switch (status) {
    case 'none':
      return [];
    case 'pending':
      return [requested];
    case 'trialing':
      return [requested, subEvent('TrialStarted', subscriber, creator, { startedAt: at(10), trialEndsAt: at(700_000), merchantReferenceId: null }, 10)];
    case 'active':
      return [requested, activated];
    case 'grace':
      return [requested, activated, subEvent('GracePeriodStarted', subscriber, creator, { dunningStartedAt: at(20), graceEndsAt: at(300_000), merchantReferenceId: null }, 20)];
    case 'cancelled':
      return [requested, activated, subEvent('SubscriptionCancelled', subscriber, creator, { refundAmount: '0', cancelledAt: at(20) }, 20)];
    case 'expired':
      return [requested, subEvent('SubscriptionExpired', subscriber, creator, { expiredAt: at(86_400) })];
  }
}

t.test('access for every subscription state × a tier below, at and above the content\'s', async (t) => {
  const harness = await testApp(t);
  const { app } = harness;
  const { creator, headers: owner } = await asCreator(harness);
  const items = { bronze: await publish(harness, owner, 'bronze'), silver: await publish(harness, owner, 'silver'), gold: await publish(harness, owner, 'gold') };

  const cases: { status: Status; tier: TierName; subscriber: string }[] = [];
  for (const status of STATUSES) {
    for (const tier of ['bronze', 'silver', 'gold'] as const) {
      const subscriber = randomAccount();
      const events = historyFor(status, subscriber, creator, tier);
      if (events.length > 0) await app.services.eventStore.append(subscriptionStreamId(subscriber, creator), events, { expectedRevision: 'no_stream' });
      cases.push({ status, tier, subscriber });
    }
  }
  await project(harness);

  for (const { status, tier, subscriber } of cases) {
    const headers = { authorization: `Bearer ${await harness.token(subscriber)}` };
    const access = await app.inject({ method: 'GET', url: `/v1/content/${items.silver.contentId}/access`, headers });
    t.equal(access.statusCode, 200, access.body);
    const live = status === 'trialing' || status === 'active' || status === 'grace';
    const allowed = live && RANK[tier] >= RANK.silver;
    const reason = live && !allowed ? 'TIER_TOO_LOW' : REASON[status];
    t.same(access.json(), { allowed, reason, tier: 'silver', subscriberTier: status === 'none' ? null : tier }, `${status} at ${tier} → silver content`);

    const listed = await app.inject({ method: 'GET', url: `/v1/creators/${creator}/content`, headers });
    t.equal(listed.statusCode, 200, listed.body);
    t.equal(listed.json().items.length, 3, 'all three items listed');
    for (const item of listed.json().items as { minTier: TierName; accessible: boolean; url: string | null }[]) {
      const expected = live && RANK[tier] >= RANK[item.minTier];
      t.equal(item.accessible, expected, `${status} at ${tier}: ${item.minTier} item ${expected ? 'open' : 'closed'}`);
      t.equal(item.url, expected ? items[item.minTier].url : null, expected ? 'url shown' : 'gated url withheld');
    }
  }

  const anonymous = await app.inject({ method: 'GET', url: `/v1/creators/${creator}/content` });
  t.equal(anonymous.statusCode, 200);
  t.same(anonymous.json().items.map((i: { minTier: string; accessible: boolean; url: string | null; reason: string }) => [i.minTier, i.accessible, i.url, i.reason]), [
    ['gold', false, null, 'ANONYMOUS'], ['silver', false, null, 'ANONYMOUS'], ['bronze', false, null, 'ANONYMOUS'],
  ], 'anonymous: everything listed newest first, nothing open, no url');
  const anonymousAccess = await app.inject({ method: 'GET', url: `/v1/content/${items.bronze.contentId}/access` });
  t.same(anonymousAccess.json(), { allowed: false, reason: 'ANONYMOUS', tier: 'bronze', subscriberTier: null });

  const mine = await app.inject({ method: 'GET', url: `/v1/creators/${creator}/content`, headers: owner });
  t.ok(mine.json().items.every((i: { accessible: boolean; url: string | null; reason: string }) => i.accessible && i.url !== null && i.reason === 'OWNER'), 'the creator opens its own content');

  const chainOnly = randomAccount();
  await app.services.eventStore.append(subscriptionStreamId(chainOnly, creator), [
    subEvent('SubscriptionActivated', chainOnly, creator, { token: TOKEN, ratePerSecond: '8', planId: null, activatedAt: at(10) }, 10),
  ]);
  const upgraded = cases.find((c) => c.status === 'active' && c.tier === 'bronze')!.subscriber;
  await app.services.eventStore.append(subscriptionStreamId(upgraded, creator), [
    subEvent('TierChanged', upgraded, creator, { oldRate: '5', newRate: '10', changedAt: at(30) }, 30),
  ]);
  await project(harness);
  const chainOnlyAccess = await app.inject({ method: 'GET', url: `/v1/content/${items.silver.contentId}/access`, headers: { authorization: `Bearer ${await harness.token(chainOnly)}` } });
  t.same(chainOnlyAccess.json(), { allowed: true, reason: 'SUBSCRIPTION_ACTIVE', tier: 'silver', subscriberTier: 'silver' }, 'a subscription made through another front end: its rate names the tier');
  const upgradedAccess = await app.inject({ method: 'GET', url: `/v1/content/${items.gold.contentId}/access`, headers: { authorization: `Bearer ${await harness.token(upgraded)}` } });
  t.same(upgradedAccess.json(), { allowed: true, reason: 'SUBSCRIPTION_ACTIVE', tier: 'gold', subscriberTier: 'gold' }, 'a TierChanged on chain upgrades access');
});

t.test('publish, update, delete: the creator only; tenants isolated; deleted content gone', async (t) => {
  const harness = await testApp(t);
  const { app } = harness;
  const a = await asCreator(harness);
  const b = await asCreator(harness, ['bronze', 'gold']);
  const item = await publish(harness, a.headers, 'gold', 'Episode 1');
  const ofB = await publish(harness, b.headers, 'bronze', 'B only');
  await project(harness);

  const listedA = await app.inject({ method: 'GET', url: `/v1/creators/${a.creator}/content`, headers: b.headers });
  t.same(listedA.json().items.map((i: { contentId: string }) => i.contentId), [item.contentId], "B lists A's content, and only A's");
  t.equal(listedA.json().items[0].url, null, "B has no subscription to A: A's url stays hidden");
  t.equal(listedA.json().items[0].reason, 'NO_SUBSCRIPTION');

  const body = { title: 'Episode 1 (cut)', minTier: 'silver', url: 'https://cdn.example.com/e1-cut' };
  const foreignPut = await app.inject({ method: 'PUT', url: `/v1/content/${item.contentId}`, headers: b.headers, payload: body });
  t.equal(foreignPut.statusCode, 403);
  t.equal(foreignPut.json().code, 'CONTENT.FORBIDDEN');
  const foreignDelete = await app.inject({ method: 'DELETE', url: `/v1/content/${item.contentId}`, headers: b.headers });
  t.equal(foreignDelete.statusCode, 403);
  const unknown = await app.inject({ method: 'PUT', url: '/v1/content/00000000-0000-4000-8000-000000000000', headers: a.headers, payload: body });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'CONTENT.NOT_FOUND');
  const notOffered = await app.inject({ method: 'PUT', url: `/v1/content/${ofB.contentId}`, headers: b.headers, payload: body });
  t.equal(notOffered.statusCode, 422, 'B offers no silver tier');
  t.equal(notOffered.json().code, 'CONTENT.TIER_UNKNOWN');

  const updated = await app.inject({ method: 'PUT', url: `/v1/content/${item.contentId}`, headers: a.headers, payload: body });
  t.equal(updated.statusCode, 200, updated.body);
  t.match(updated.json(), { contentId: item.contentId, creator: a.creator, ...body, revision: 1 });
  const unchanged = await app.inject({ method: 'PUT', url: `/v1/content/${item.contentId}`, headers: a.headers, payload: body });
  t.equal(unchanged.json().revision, 1, 'the same body again records nothing');
  await project(harness);
  const access = await app.inject({ method: 'GET', url: `/v1/content/${item.contentId}/access`, headers: b.headers });
  t.same(access.json(), { allowed: false, reason: 'NO_SUBSCRIPTION', tier: 'silver', subscriberTier: null }, 'the update is projected');

  const deleted = await app.inject({ method: 'DELETE', url: `/v1/content/${item.contentId}`, headers: a.headers });
  t.equal(deleted.statusCode, 204);
  const again = await app.inject({ method: 'DELETE', url: `/v1/content/${item.contentId}`, headers: a.headers });
  t.equal(again.statusCode, 410);
  t.equal(again.json().code, 'CONTENT.DELETED');
  const putDeleted = await app.inject({ method: 'PUT', url: `/v1/content/${item.contentId}`, headers: a.headers, payload: body });
  t.equal(putDeleted.statusCode, 410);
  await project(harness);
  t.same((await app.inject({ method: 'GET', url: `/v1/creators/${a.creator}/content`, headers: a.headers })).json().items, [], 'no longer listed, even to its creator');
  const ownerAccess = await app.inject({ method: 'GET', url: `/v1/content/${item.contentId}/access`, headers: a.headers });
  t.equal(ownerAccess.statusCode, 410, 'its creator sees the tombstone');
  t.equal(ownerAccess.json().code, 'CONTENT.DELETED');
  const strangerAccess = await app.inject({ method: 'GET', url: `/v1/content/${item.contentId}/access`, headers: b.headers });
  t.equal(strangerAccess.statusCode, 404, 'anyone else: unknown');
  t.equal(strangerAccess.json().code, 'CONTENT.NOT_FOUND');

  const asB = await harness.database.db.transaction().execute(async (trx) => {
    await sql`select set_config('role', 'substream_api', true), set_config('app.current_tenant_id', ${b.creator}, true)`.execute(trx);
    return (await sql<{ content_id: string; url: string | null }>`select content_id, url from content order by content_id`.execute(trx)).rows;
  });
  t.same(asB.map((r) => r.content_id), [ofB.contentId], "as substream_api with B's tenant: B's row, not A's deleted one");
  const asA = await harness.database.db.transaction().execute(async (trx) => {
    await sql`select set_config('role', 'substream_api', true), set_config('app.current_tenant_id', ${a.creator}, true)`.execute(trx);
    return (await sql<{ content_id: string; url: string | null; status: string }>`select content_id, url, status from content where content_id = ${item.contentId}`.execute(trx)).rows;
  });
  t.same(asA, [{ content_id: item.contentId, url: null, status: 'deleted' }], 'A sees its tombstone, which keeps no url');
});

t.test('bad input is 400, auth and scopes are checked, writes are idempotent, lists are paged', async (t) => {
  const harness = await testApp(t);
  const { app } = harness;
  const { creator, headers } = await asCreator(harness);
  const bad = [
    {},
    { title: '', minTier: 'gold', url: 'https://cdn.example.com/x' },
    { title: 'x'.repeat(201), minTier: 'gold', url: 'https://cdn.example.com/x' },
    { title: 'ok', minTier: 'platinum', url: 'https://cdn.example.com/x' },
    { title: 'ok', minTier: 'gold', url: 'ftp://cdn.example.com/x' },
    { title: 'ok', minTier: 'gold', url: 'not a url' },
    { title: 'ok', minTier: 'gold', url: 42 },
  ];
  for (const payload of bad) {
    const response = await app.inject({ method: 'POST', url: '/v1/content', headers, payload });
    t.equal(response.statusCode, 400, JSON.stringify(payload));
    t.equal(response.json().code, 'VALIDATION.FAILED');
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/content/not-a-uuid/access' })).statusCode, 400);
  t.equal((await app.inject({ method: 'GET', url: '/v1/creators/GNOPE/content' })).statusCode, 400);
  t.equal((await app.inject({ method: 'GET', url: `/v1/creators/${creator}/content?limit=0` })).statusCode, 400);
  const forged = await app.inject({ method: 'GET', url: `/v1/creators/${creator}/content?cursor=${Buffer.from('{"k":"x"}').toString('base64url')}` });
  t.equal(forged.statusCode, 422);
  t.equal(forged.json().code, 'PAGINATION.INVALID_CURSOR');

  const payload = { title: 'Ep', minTier: 'gold', url: 'https://cdn.example.com/ep' };
  t.equal((await app.inject({ method: 'POST', url: '/v1/content', payload })).statusCode, 401, 'no credential');
  const badToken = await app.inject({ method: 'GET', url: `/v1/creators/${creator}/content`, headers: { authorization: 'Bearer nope' } });
  t.equal(badToken.statusCode, 401, 'a bad credential on a public route is refused, not taken as anonymous');
  const noTenant = await app.inject({ method: 'POST', url: '/v1/content', headers: { authorization: `Bearer ${await harness.token(randomMuxedAccount())}` }, payload });
  t.equal(noTenant.statusCode, 403);
  t.equal(noTenant.json().code, 'AUTH.TENANT_REQUIRED');
  const unregistered = randomAccount();
  const notCreator = await app.inject({ method: 'POST', url: '/v1/content', headers: { authorization: `Bearer ${await harness.token(unregistered, unregistered)}` }, payload });
  t.equal(notCreator.statusCode, 422);
  t.equal(notCreator.json().code, 'CREATOR.NOT_REGISTERED');

  const keyFor = async (scopes: string[]) => {
    const created = await app.inject({ method: 'POST', url: '/v1/api-keys', headers, payload: { name: scopes.join(' '), scopes } });
    return { 'x-api-key': created.json().key as string };
  };
  const readOnly = await app.inject({ method: 'POST', url: '/v1/content', headers: await keyFor(['subscriptions:read']), payload });
  t.equal(readOnly.statusCode, 403);
  t.same(readOnly.json().details, { scope: 'content:write' });
  const byKey = await app.inject({ method: 'POST', url: '/v1/content', headers: await keyFor(['content:write']), payload });
  t.equal(byKey.statusCode, 201, byKey.body);
  t.equal(byKey.json().creator, creator, "a key publishes for its tenant");

  const idem = { ...headers, 'idempotency-key': 'publish-1' };
  const first = await app.inject({ method: 'POST', url: '/v1/content', headers: idem, payload });
  const replay = await app.inject({ method: 'POST', url: '/v1/content', headers: idem, payload });
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal(replay.json().contentId, first.json().contentId, 'a retried publish is one item');
  const reused = await app.inject({ method: 'POST', url: '/v1/content', headers: idem, payload: { ...payload, title: 'other' } });
  t.equal(reused.statusCode, 422);
  t.equal(reused.json().code, 'IDEMPOTENCY.KEY_REUSED');

  const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  for (const path of ['/v1/content', '/v1/content/{id}', '/v1/content/{id}/access', '/v1/creators/{address}/content']) t.ok(docs.paths[path], `OpenAPI documents ${path}`);
  t.ok(docs.components.schemas.ContentItem && docs.components.schemas.ContentAccess && docs.components.schemas.ContentInput, 'and its schemas');

  for (let i = 0; i < 3; i++) await publish(harness, headers, 'bronze', `more ${i}`);
  await project(harness);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/v1/creators/${creator}/content?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await app.inject({ method: 'GET', url });
    t.equal(page.statusCode, 200, page.body);
    t.ok(page.json().items.length <= 2);
    seen.push(...page.json().items.map((i: { contentId: string; publishedAt: string }) => `${i.publishedAt} ${i.contentId}`));
    cursor = page.json().nextCursor;
  } while (cursor);
  t.equal(seen.length, 5, 'every item once: two publishes plus three');
  t.same(seen, [...seen].sort().reverse(), 'newest first');
  t.equal(new Set(seen).size, 5);
  const theirs = (await app.inject({ method: 'POST', url: '/v1/content', headers, payload })).json();
  const notOwner = await app.inject({ method: 'PUT', url: `/v1/content/${theirs.contentId}`, headers: { authorization: `Bearer ${await harness.token(unregistered, unregistered)}` }, payload });
  t.equal(notOwner.statusCode, 403, 'an unregistered tenant changing someone else\'s content is refused for ownership, not registration');
  t.equal(notOwner.json().code, 'CONTENT.FORBIDDEN');
});
