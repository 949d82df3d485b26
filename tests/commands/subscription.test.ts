import t from 'tap';
import { scValToNative, xdr } from '@stellar/stellar-sdk';
import { expirePending } from '../../commands/expire-pending.ts';
import { registerCreator } from '../../commands/register-creator.ts';
import { RequestCancellationInput, requestCancellation } from '../../commands/request-cancellation.ts';
import { RequestSubscriptionInput, requestSubscription } from '../../commands/request-subscription.ts';
import { setTiers } from '../../commands/set-tiers.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { WrongExpectedRevision } from '../../eventstore/errors.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { EventStore } from '../../eventstore/types.ts';
import { testDatabase } from '../support/database.ts';
import { account, context, contract } from './fixtures.ts';

const { db } = await testDatabase(t);
const store = createPostgresEventStore(db);
const contractId = contract();
const token = contract();
const deps = { store, contractId, pendingTtlSeconds: 600 };
const now = '2026-03-01T10:00:00.000Z';

/** A registered creator with a rate tier (gold) and a per-period tier (bronze: 100 every 30 s). */
async function newCreator(): Promise<string> {
  const creator = account();
  await registerCreator({ store }, { displayName: 'Cy' }, context(creator));
  await setTiers({ store }, {
    tiers: [
      { name: 'bronze', token, price: { kind: 'period', amount: '100', periodSeconds: 30 } },
      { name: 'gold', token, price: { kind: 'rate', ratePerSecond: '170141183460469231731687303715884105727' } },
    ],
  }, context(creator));
  return creator;
}

t.test('requestSubscription records the intent and returns the call to sign', async (t) => {
  const creator = await newCreator();
  const subscriber = account();
  const ctx = context(subscriber, now);
  const result = await requestSubscription(deps, { creator, tier: 'gold' }, ctx);
  const rate = '170141183460469231731687303715884105727';
  t.match(result, { subscriptionId: `${subscriber}-${creator}`, streamId: subscriptionStreamId(subscriber, creator), status: 'pending', revision: 0 });
  t.equal(result.contractCall.contractId, contractId);
  t.equal(result.contractCall.function, 'subscribe');
  t.same(result.contractCall.args.map(({ name, type, value }) => ({ name, type, value })), [
    { name: 'subscriber', type: 'address', value: subscriber },
    { name: 'creator', type: 'address', value: creator },
    { name: 'token', type: 'address', value: token },
    { name: 'rate_per_second', type: 'i128', value: rate },
  ]);
  const decoded = result.contractCall.args.map((a) => xdr.ScVal.fromXDR(a.xdr, 'base64'));
  t.same(decoded.map((v) => scValToNative(v)), [subscriber, creator, token, BigInt(rate)], 'the XDR decodes back to the inputs');
  t.same(decoded.map((v) => v.type), ['scvAddress', 'scvAddress', 'scvAddress', 'scvI128']);

  const [event] = await store.readStream(result.streamId);
  t.match(event, {
    type: 'SubscriptionRequested',
    data: { subscriber, creator, tier: 'gold', token, ratePerSecond: rate, requestedAt: now, expiresAt: '2026-03-01T10:10:00.000Z' },
    metadata: { source: 'command', tenantId: creator, correlationId: ctx.correlationId },
  });
  await t.rejects(requestSubscription(deps, { creator, tier: 'gold' }, context(subscriber, now)), { code: 'SUBSCRIPTION.ALREADY_PENDING' });
});

t.test('a per-period tier streams floor(amount / period) per second: never more than listed', async (t) => {
  const creator = await newCreator();
  const result = await requestSubscription(deps, { creator, tier: 'bronze' }, context(account(), now));
  t.equal(result.contractCall.args[3]!.value, '3', '100 / 30 = 3.33… rounds down to 3 (90 per 30 s, not 120)');
});

t.test('requestSubscription refusals', async (t) => {
  const creator = await newCreator();
  await t.rejects(requestSubscription(deps, { creator: account(), tier: 'gold' }, context(account())), { code: 'CREATOR.NOT_FOUND' });
  await t.rejects(requestSubscription(deps, { creator, tier: 'silver' }, context(account())), { code: 'SUBSCRIPTION.UNKNOWN_TIER' });
  await t.rejects(requestSubscription(deps, { creator, tier: 'gold' }, context(creator)), { code: 'SUBSCRIPTION.SELF_SUBSCRIPTION' });
  await t.rejects(requestSubscription(deps, { creator, tier: 'gold' }, context('sk_live_key')), { code: 'SUBSCRIPTION.INVALID_SUBSCRIBER' });
  const subscriber = account();
  await t.rejects(requestSubscription({ ...deps, contractId: undefined }, { creator, tier: 'gold' }, context(subscriber)), { code: 'CONFIG.CONTRACT_NOT_CONFIGURED' });
  t.same(await store.readStream(subscriptionStreamId(subscriber, creator)), [], 'no intent without a contract to sign');
});

/** The store, but appends wait until `parties` callers have read their streams: they decide on the same revisions. */
function barrierStore(parties: number): EventStore {
  let reads = 0;
  let release!: () => void;
  const allRead = new Promise<void>((resolve) => (release = resolve));
  return {
    ...store,
    async readStreams(streamIds) {
      const streams = await store.readStreams(streamIds);
      if (++reads === parties) release();
      return streams;
    },
    async append(streamId, events, options) {
      await allRead;
      return store.append(streamId, events, options);
    },
  };
}

t.test('two requests for one pair on the same revision: one wins, the other gets WrongExpectedRevision', async (t) => {
  for (const expired of [false, true]) {
    const name = expired ? 'after an expired request' : 'on a new stream';
    const creator = await newCreator();
    const subscriber = account();
    const streamId = subscriptionStreamId(subscriber, creator);
    if (expired) {
      await requestSubscription(deps, { creator, tier: 'gold' }, context(subscriber, now));
      await expirePending(deps, { subscriptionId: `${subscriber}-${creator}` }, context('system', '2026-03-01T10:10:00.000Z'));
    }
    const racing = { ...deps, store: barrierStore(2) };
    const later = '2026-03-01T12:00:00.000Z';
    const results = await Promise.allSettled([
      requestSubscription(racing, { creator, tier: 'gold' }, context(subscriber, later)),
      requestSubscription(racing, { creator, tier: 'bronze' }, context(subscriber, later)),
    ]);
    const lost = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    t.equal(lost.length, 1, `${name}: one wins, one loses`);
    t.type(lost[0], WrongExpectedRevision, name);
    t.match(lost[0], { code: 'CONCURRENCY.CONFLICT', expected: expired ? 1 : 'no_stream', actual: expired ? 2 : 0 }, `${name}: expected the revision it read`);
    t.equal((await store.readStream(streamId)).length, expired ? 3 : 1, `${name}: exactly one request appended`);
  }
});

t.test('requestCancellation', async (t) => {
  const creator = await newCreator();
  const subscriber = account();
  const { subscriptionId, streamId } = await requestSubscription(deps, { creator, tier: 'gold' }, context(subscriber, now));
  await t.rejects(requestCancellation(deps, { subscriptionId }, context(account())), { code: 'SUBSCRIPTION.FORBIDDEN' });
  const cancelled = await requestCancellation(deps, { subscriptionId }, context(subscriber, '2026-03-01T10:01:00.000Z'));
  t.same(cancelled, { subscriptionId, streamId, revision: 1, status: 'cancelled', rail: 'wallet', cancelRequestedAt: '2026-03-01T10:01:00.000Z' }, 'a pending request is cancelled at once');
  await t.rejects(requestCancellation(deps, { subscriptionId }, context(creator)), { code: 'SUBSCRIPTION.ALREADY_CANCELLED' });
  const other = `${account()}-${creator}`;
  await t.rejects(requestCancellation(deps, { subscriptionId: other }, context(creator)), { code: 'SUBSCRIPTION.NOT_FOUND' });
  await t.rejects(requestCancellation(deps, { subscriptionId: 'nonsense' }, context(creator)), { code: 'SUBSCRIPTION.NOT_FOUND' });
});

t.test('the creator cancels a live subscription: it stays live until the chain says so', async (t) => {
  const creator = await newCreator();
  const subscriber = account();
  const { subscriptionId, streamId } = await requestSubscription(deps, { creator, tier: 'gold' }, context(subscriber, now));
  await store.append(streamId, [{
    id: crypto.randomUUID(),
    type: 'SubscriptionActivated',
    data: { subscriber, creator, token, ratePerSecond: '5', planId: null, activatedAt: '2026-03-01T10:00:05Z' },
    metadata: { source: 'chain' },
  }]);
  const result = await requestCancellation(deps, { subscriptionId }, context(creator, '2026-03-02T00:00:00.000Z'));
  t.same(result, { subscriptionId, streamId, revision: 2, status: 'active', rail: 'wallet', cancelRequestedAt: '2026-03-02T00:00:00.000Z' });
});

t.test('expirePending', async (t) => {
  const creator = await newCreator();
  const subscriber = account();
  const { subscriptionId, streamId } = await requestSubscription(deps, { creator, tier: 'gold' }, context(subscriber, now));
  await t.rejects(expirePending(deps, { subscriptionId }, context('system', '2026-03-01T10:09:59.999Z')), { code: 'SUBSCRIPTION.NOT_EXPIRABLE' });
  const result = await expirePending(deps, { subscriptionId }, context('system', '2026-03-01T10:10:00.000Z'));
  t.same(result, { subscriptionId, streamId, revision: 1, status: 'expired' });
  await t.rejects(expirePending(deps, { subscriptionId }, context('system', '2026-03-01T11:00:00.000Z')), { code: 'SUBSCRIPTION.NOT_EXPIRABLE' });
  const again = await requestSubscription(deps, { creator, tier: 'bronze' }, context(subscriber, '2026-03-01T12:00:00.000Z'));
  t.equal(again.revision, 2, 'an expired request can be made again');
});

t.test('input schemas', async (t) => {
  t.ok(RequestSubscriptionInput.safeParse({ creator: account(), tier: 'gold' }).success);
  t.ok(RequestSubscriptionInput.safeParse({ creator: contract(), tier: 'gold' }).success, 'a contract account may be a creator');
  t.notOk(RequestSubscriptionInput.safeParse({ creator: 'GNOTANADDRESS', tier: 'gold' }).success);
  t.notOk(RequestSubscriptionInput.safeParse({ creator: account(), tier: '' }).success);
  t.ok(RequestCancellationInput.safeParse({ subscriptionId: `${account()}-${account()}` }).success);
  t.notOk(RequestCancellationInput.safeParse({ subscriptionId: `${account()}` }).success);
});
