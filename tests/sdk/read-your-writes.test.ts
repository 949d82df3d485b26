import t from 'tap';
import { SubstreamApiError, SubstreamClient } from '../../sdk/src/index.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { listen } from '../support/listening-app.ts';
import { runSlowProjectors } from '../support/read-your-writes.ts';
import { randomContract } from '../support/stream-events.ts';

/**
 * The SDK reads its own writes: with every projector running slowed, a `create` then `get` on one
 * client sees the write at once (the client sends back the newest Substream-Position it saw),
 * while a fresh client (no token) does not yet. Over real HTTP.
 */

const status = (promise: Promise<unknown>) => promise.then(() => 200, (error: unknown) => (error instanceof SubstreamApiError ? error.status : -1));

t.test('SDK: create then get sees the write, on one client instance', async (t) => {
  const harness = await testApp(t, { READ_YOUR_WRITES_TIMEOUT_MS: '5000' });
  const baseUrl = await listen(harness.app);
  const stop = runSlowProjectors(harness.database.db, 300);
  t.teardown(stop);
  const creator = randomAccount();
  const client = new SubstreamClient({ baseUrl, token: await harness.token(creator, creator), retries: 0 });
  const fresh = new SubstreamClient({ baseUrl, retries: 0 });

  await client.registerCreator({ displayName: 'Ada' });
  t.equal(await status(fresh.getCreator(creator)), 404, 'control: a client that wrote nothing does not see it yet');
  t.match(await client.getCreator(creator), { displayName: 'Ada' }, 'registerCreator → getCreator');

  await client.setTiers({ tiers: [{ name: 'gold', token: randomContract(), price: { kind: 'rate', ratePerSecond: '5' } }] });
  t.match((await client.getCreator(creator)).tiers, [{ name: 'gold' }], 'setTiers → getCreator');

  const link = await client.createInvoiceLink({ receiver: creator, amount: 100n, tokenAddress: randomContract(), duration: 60 });
  t.equal(await status(fresh.getInvoiceLinkBySlug(link.slug)), 404, 'control: not projected yet');
  t.match(await client.getInvoiceLinkBySlug(link.slug), { id: link.id, status: 'DRAFT' }, 'createInvoiceLink → getInvoiceLinkBySlug');

  const subscriber = client.withToken(await harness.token(randomAccount()));
  const requested = await subscriber.subscribe({ creator, tier: 'gold' });
  t.match(await subscriber.getSubscription(requested.subscriptionId), { creator }, 'subscribe → getSubscription (withToken shares the position)');
  await stop();
});
