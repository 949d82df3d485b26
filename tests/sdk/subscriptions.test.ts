import { Keypair, Transaction } from '@stellar/stellar-sdk';
import t from 'tap';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { SubstreamApiError, SubstreamClient } from '../../sdk/src/index.ts';
import { randomAccount, TEST_CONTRACT_ID, testApp } from '../support/app.ts';
import { listen } from '../support/listening-app.ts';
import { randomContract } from '../support/stream-events.ts';

async function rejection(promise: Promise<unknown>): Promise<SubstreamApiError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof SubstreamApiError)) throw new Error(`expected a SubstreamApiError, got ${String(error)}`);
  return error;
}

t.test('SEP-10 login through the SDK: challenge, the wallet signs, token, authenticated calls', async (t) => {
  const harness = await testApp(t);
  const client = new SubstreamClient({ baseUrl: await listen(harness.app) });
  const wallet = Keypair.random();

  const challenge = await client.getChallenge(wallet.publicKey());
  const tx = new Transaction(challenge.transaction, challenge.network_passphrase);
  tx.sign(wallet);
  const token = await client.submitChallenge(tx.toEnvelope().toXDR('base64'));
  t.match(token, /^ey[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT');
  t.same(await client.withToken(token).listMySubscriptions(), [], 'the token authenticates');
  t.match(await rejection(client.listMySubscriptions()), { status: 401 }, 'the original client stays anonymous');

  const replayed = await rejection(client.submitChallenge(tx.toEnvelope().toXDR('base64')));
  t.match(replayed, { status: 400, code: 'AUTH.CHALLENGE_REPLAYED' });
  const unsigned = await client.getChallenge(wallet.publicKey());
  t.match(await rejection(client.submitChallenge(unsigned.transaction)), { status: 400, code: 'AUTH.CHALLENGE_BAD_SIGNATURE' });
});

t.test('creators and subscriptions through the SDK, with cursor paging of subscribers', async (t) => {
  const harness = await testApp(t);
  const baseUrl = await listen(harness.app);
  const project = async () => {
    for (const projector of allProjectors) await catchUp(harness.database.db, projector);
  };
  const creator = randomAccount();
  const token = randomContract();
  const asCreator = new SubstreamClient({ baseUrl, token: await harness.token(creator, creator) });

  t.match(await asCreator.registerCreator({ displayName: 'Ada' }), { creator });
  t.match(await rejection(asCreator.registerCreator({ displayName: 'Ada' })), { status: 422, code: 'CREATOR.ALREADY_REGISTERED' }, 'a new call is a new Idempotency-Key');
  await asCreator.setTiers({
    tiers: [
      { name: 'bronze', token, price: { kind: 'rate', ratePerSecond: 5n } },
      { name: 'gold', token, price: { kind: 'period', amount: '25920000', periodSeconds: 2_592_000 } },
    ],
  });
  await project();
  const profile = await new SubstreamClient({ baseUrl }).getCreator(creator);
  t.equal(profile.displayName, 'Ada');
  t.same(profile.tiers.map((tier) => tier.name), ['bronze', 'gold']);
  t.match(await rejection(asCreator.getCreator(randomAccount())), { status: 404, code: 'CREATOR.NOT_FOUND' });
  t.match(await rejection(asCreator.getCreator('GABC')), { status: 400, code: 'VALIDATION.FAILED' });

  const subscribers = Array.from({ length: 5 }, randomAccount);
  const clients = await Promise.all(subscribers.map(async (s) => new SubstreamClient({ baseUrl, token: await harness.token(s) })));
  const first = await clients[0]!.subscribe({ creator, tier: 'gold' });
  t.match(first, { subscriptionId: `${subscribers[0]}-${creator}`, status: 'pending' });
  t.equal(first.contractCall.contractId, TEST_CONTRACT_ID);
  t.equal(first.contractCall.args[3]?.value, '10', 'gold: 25,920,000 per 30 days = 10 a second');
  for (const client of clients.slice(1)) await client.subscribe({ creator, tier: 'bronze' });
  t.match(await rejection(clients[0]!.subscribe({ creator, tier: 'platinum' })), { status: 422, code: 'SUBSCRIPTION.UNKNOWN_TIER' });
  await project();

  t.match(await clients[0]!.getSubscription(first.subscriptionId), { subscriber: subscribers[0], creator, status: 'pending' });
  t.same((await clients[0]!.listMySubscriptions()).map((s) => s.creator), [creator]);
  t.match(await rejection(clients[1]!.getSubscription(first.subscriptionId)), { status: 404, code: 'SUBSCRIPTION.NOT_FOUND' }, 'another wallet does not see it');

  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await asCreator.listSubscribers({ limit: 2, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items.map((s) => s.subscriber));
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor);
  t.same(seen.toSorted(), subscribers.toSorted(), 'every subscriber exactly once');
  t.equal(pages, 3);

  t.match(await clients[0]!.cancelSubscription(first.subscriptionId), { subscriptionId: first.subscriptionId });
  await project();
  t.equal((await clients[0]!.getSubscription(first.subscriptionId)).status, 'cancelled');
  t.same((await asCreator.listSubscribers({ status: 'cancelled' })).items.map((s) => s.subscriber), [subscribers[0]]);
});
