import t from 'tap';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { SubstreamApiError, SubstreamClient } from '../../sdk/src/index.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { listen } from '../support/listening-app.ts';
import { randomContract } from '../support/stream-events.ts';
import { at, subEvent } from '../support/subscription-events.ts';

async function rejection(promise: Promise<unknown>): Promise<SubstreamApiError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof SubstreamApiError)) throw new Error(`expected a SubstreamApiError, got ${String(error)}`);
  return error;
}

t.test('content through the SDK: publish, update, delete, list with paging and gated urls, access per caller', async (t) => {
  const harness = await testApp(t);
  const baseUrl = await listen(harness.app);
  const project = async () => {
    for (const projector of allProjectors) await catchUp(harness.database.db, projector);
  };
  const creator = randomAccount();
  const subscriber = randomAccount();
  const token = randomContract();
  const asCreator = new SubstreamClient({ baseUrl, token: await harness.token(creator, creator) });
  const asSubscriber = new SubstreamClient({ baseUrl, token: await harness.token(subscriber) });
  const other = randomAccount();
  const asOther = new SubstreamClient({ baseUrl, token: await harness.token(other, other) });
  const anonymous = new SubstreamClient({ baseUrl });
  await asCreator.registerCreator({ displayName: 'Cy' });
  await asCreator.setTiers({ tiers: [{ name: 'bronze', token, price: { kind: 'rate', ratePerSecond: 5n } }, { name: 'gold', token, price: { kind: 'rate', ratePerSecond: 10n } }] });
  await asOther.registerCreator({ displayName: 'Other' });
  await asOther.setTiers({ tiers: [{ name: 'bronze', token, price: { kind: 'rate', ratePerSecond: 1n } }] });

  const url = (n: number) => `https://cdn.example.com/episode-${n}.mp4`;
  const first = await asCreator.publishContent({ title: 'Episode 1', minTier: 'bronze', url: url(1) });
  t.match(first, { creator, title: 'Episode 1', minTier: 'bronze', url: url(1), revision: 0 }, 'publish answers what it recorded');
  const second = await asCreator.publishContent({ title: 'Episode 2', minTier: 'gold', url: url(2) });
  const third = await asCreator.publishContent({ title: 'Episode 3', minTier: 'gold', url: url(3) });
  const gone = await asCreator.publishContent({ title: 'Trailer', minTier: 'bronze', url: url(4) });
  t.match(await asCreator.updateContent(first.contentId, { title: 'Episode 1 (cut)', minTier: 'bronze', url: url(1) }), { contentId: first.contentId, title: 'Episode 1 (cut)', revision: 1 });
  t.equal(await asCreator.deleteContent(gone.contentId), undefined, 'delete resolves with nothing (204)');

  t.match(await rejection(asCreator.publishContent({ title: 'Extra', minTier: 'silver', url: url(5) })), { status: 422, code: 'CONTENT.TIER_UNKNOWN' }, 'a tier the creator does not offer');
  t.match(await rejection(asCreator.publishContent({ title: 'Extra', minTier: 'gold', url: 'ftp://cdn.example.com/x' })), { status: 400, code: 'VALIDATION.FAILED' });
  t.match(await rejection(asOther.updateContent(first.contentId, { title: 'Mine now', minTier: 'bronze', url: url(1) })), { status: 403, code: 'CONTENT.FORBIDDEN' }, "another creator cannot change it");
  t.match(await rejection(asCreator.deleteContent(gone.contentId)), { status: 410, code: 'CONTENT.DELETED' });
  t.match(await rejection(asSubscriber.publishContent({ title: 'x', minTier: 'gold', url: url(6) })), { status: 422, code: 'CREATOR.NOT_REGISTERED' }, 'a wallet acts for itself, which is no creator');

  // A pending intent, then the chain's activation at the bronze rate (as the indexer appends it).
  const { subscriptionId } = await asSubscriber.subscribe({ creator, tier: 'bronze' });
  await project();
  t.same(await asSubscriber.getContentAccess(first.contentId), { allowed: false, reason: 'SUBSCRIPTION_PENDING', tier: 'bronze', subscriberTier: 'bronze' });
  await harness.app.services.eventStore.append(subscriptionStreamId(subscriber, creator), [
    subEvent('SubscriptionActivated', subscriber, creator, { token, ratePerSecond: '5', planId: null, activatedAt: at(10) }, 10),
  ]);
  await project();
  t.ok(subscriptionId, 'subscribed');

  const pages: { contentId: string; title: string; url: string | null; accessible: boolean; reason: string }[][] = [];
  let cursor: string | undefined;
  do {
    const page = await asSubscriber.listCreatorContent(creator, { limit: 2, ...(cursor ? { cursor } : {}) });
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  t.ok(pages.every((p) => p.length <= 2) && pages.length >= 2, `${pages.length} pages of at most 2`);
  t.same(pages.flat().map((i) => [i.title, i.accessible, i.url, i.reason]), [
    ['Episode 3', false, null, 'TIER_TOO_LOW'],
    ['Episode 2', false, null, 'TIER_TOO_LOW'],
    ['Episode 1 (cut)', true, url(1), 'SUBSCRIPTION_ACTIVE'],
  ], 'each published item once, newest first; the deleted one is gone; gold urls withheld from a bronze subscriber');
  t.same((await anonymous.listCreatorContent(creator)).items.map((i) => [i.contentId, i.url, i.reason]), [
    [third.contentId, null, 'ANONYMOUS'], [second.contentId, null, 'ANONYMOUS'], [first.contentId, null, 'ANONYMOUS'],
  ], 'anonymous: listed, nothing open');
  t.ok((await asCreator.listCreatorContent(creator)).items.every((i) => i.accessible && i.url !== null && i.reason === 'OWNER'), 'the creator opens its own');

  t.same(await asSubscriber.getContentAccess(second.contentId), { allowed: false, reason: 'TIER_TOO_LOW', tier: 'gold', subscriberTier: 'bronze' });
  t.same(await asSubscriber.getContentAccess(first.contentId), { allowed: true, reason: 'SUBSCRIPTION_ACTIVE', tier: 'bronze', subscriberTier: 'bronze' });
  t.same(await anonymous.getContentAccess(first.contentId), { allowed: false, reason: 'ANONYMOUS', tier: 'bronze', subscriberTier: null });
  t.match(await asCreator.getContentAccess(third.contentId), { allowed: true, reason: 'OWNER' });
  t.match(await rejection(asCreator.getContentAccess(gone.contentId)), { status: 410, code: 'CONTENT.DELETED' }, 'its creator learns it was deleted');
  t.match(await rejection(anonymous.getContentAccess(gone.contentId)), { status: 404, code: 'CONTENT.NOT_FOUND' }, 'anyone else: not found');
  t.match(await rejection(anonymous.listCreatorContent(creator, { limit: 0 })), { status: 400, code: 'VALIDATION.FAILED' });
});

t.test('a retried publish reuses its Idempotency-Key: one item, the first answer replayed', async (t) => {
  const harness = await testApp(t);
  const baseUrl = await listen(harness.app);
  const creator = randomAccount();
  const client = new SubstreamClient({ baseUrl, token: await harness.token(creator, creator) });
  await client.registerCreator({ displayName: 'Cy' });
  await client.setTiers({ tiers: [{ name: 'gold', token: randomContract(), price: { kind: 'rate', ratePerSecond: '10' } }] });
  const input = { title: 'Once', minTier: 'gold' as const, url: 'https://cdn.example.com/once' };
  const a = await client.publishContent(input, { idempotencyKey: 'publish-once-1' });
  const b = await client.publishContent(input, { idempotencyKey: 'publish-once-1' });
  t.equal(b.contentId, a.contentId, 'the same key gives the same item');
  for (const projector of allProjectors) await catchUp(harness.database.db, projector);
  t.equal((await client.listCreatorContent(creator)).items.length, 1, 'one item stored');
});
