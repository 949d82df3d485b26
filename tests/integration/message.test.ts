import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Keypair, Networks, nativeToScVal, StrKey } from '@stellar/stellar-sdk';
import { registerCreator } from '../../commands/register-creator.ts';
import { requestSubscription } from '../../commands/request-subscription.ts';
import { setTiers } from '../../commands/set-tiers.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';
import { toIntegrationMessage, type IntegrationEvent } from '../../integration/message.ts';
import { aggregateKindOf, PUBLISHED_TYPES } from '../../integration/published-events.ts';
import { relayBatch } from '../../integration/relay.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { testDatabase } from '../support/database.ts';
import { recordingPublisher } from '../support/recording-publisher.ts';
import { addr, bytes, i128, map, rawEvent, str, sym, u64 } from '../indexer/events.ts';
import { memorySource } from '../indexer/memory-source.ts';

const MAX_I128 = '170141183460469231731687303715884105727';

t.test('real command intents and an XDR-decoded chain fact map to topic, key, headers and value', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const creator = Keypair.random().publicKey();
  const subscriber = Keypair.random().publicKey();
  const token = StrKey.encodeContract(Buffer.alloc(32, 7));
  const contractId = StrKey.encodeContract(Buffer.alloc(32, 9));
  const correlationId = randomUUID();
  const context = (actor: string) => ({ actor, now: '2026-11-01T10:00:00.000Z', correlationId });
  await registerCreator({ store }, { displayName: 'Cy' }, context(creator));
  await setTiers({ store }, { tiers: [{ name: 'gold', token, price: { kind: 'rate', ratePerSecond: MAX_I128 } }] }, context(creator));
  await requestSubscription({ store, contractId, pendingTtlSeconds: 600 }, { creator, tier: 'gold' }, context(subscriber));

  // The chain's fact, decoded by the real indexer from real ScVal XDR: an i128 amount beyond 2^64.
  const billed = rawEvent(
    contractId,
    [sym('subscription_billed'), addr(subscriber), addr(creator), i128(2n ** 100n + 1n)],
    map({ billed_at: u64(1_793_500_000n), merchant_reference_id: str('inv-7'), receipt_hash: bytes(Buffer.alloc(32, 1)) }),
    { ledger: 5_000 },
  );
  const decode = { passphrase: Networks.TESTNET, contracts: parseContracts(`${contractId}=substream-v1`) };
  await runIndexer(db, { job: 'replay:test', source: memorySource([billed], { latest: 5_000 }), from: 5_000, to: 5_000, decode });

  const publisher = recordingPublisher();
  await relayBatch(db, publisher, { name: 'kafka', topicPrefix: 'substream.', batchSize: 100 });
  const messages = publisher.batches.flat();
  t.same(messages.map((m) => m.headers['event-type']), ['CreatorRegistered', 'TiersSet', 'SubscriptionRequested', 'SubscriptionBilled'],
    'ContractEventObserved (the raw fact) stays private');
  const stored = await store.readAll({ limit: 100 });
  const byId = new Map(stored.map((e) => [e.id, e]));

  for (const message of messages) {
    const event = byId.get(message.headers['event-id']!)!;
    const value = JSON.parse(message.value) as IntegrationEvent;
    t.equal(message.key, event.streamId, `${event.type}: key = stream id`);
    t.same(message.headers, {
      'event-id': event.id,
      'event-type': event.type,
      'stream-revision': String(event.streamRevision),
      'global-position': String(event.globalPosition),
      'tenant-id': creator,
    }, `${event.type}: headers`);
    t.match(value, { id: event.id, type: event.type, streamId: event.streamId, revision: event.streamRevision, globalPosition: String(event.globalPosition),
      recordedAt: event.recordedAt.toISOString(), tenantId: creator }, `${event.type}: value`);
    t.same(value.data, event.data, `${event.type}: data as stored`);
  }
  const [registered, tiers, requested, fact] = messages.map((m) => ({ ...m, value: JSON.parse(m.value) as IntegrationEvent }));
  t.equal(registered!.topic, 'substream.creator');
  t.equal(tiers!.topic, 'substream.creator');
  t.equal(requested!.topic, 'substream.subscription');
  t.equal(fact!.topic, 'substream.subscription');
  t.equal(fact!.key, subscriptionStreamId(subscriber, creator), 'the fact shares the intent\'s key, so one partition keeps them in order');
  t.equal(requested!.key, fact!.key);
  t.match(requested!.value, { source: 'command', chain: null, correlationId });
  t.equal((requested!.value.data as { ratePerSecond: string }).ratePerSecond, MAX_I128, 'the i128 rate stays an exact string');
  t.match(fact!.value, { source: 'chain', chain: { ledger: 5_000, txHash: billed.txHash, operationIndex: 0, eventIndex: 0, contractId } });
  t.equal((fact!.value.data as { amount: string }).amount, (2n ** 100n + 1n).toString(), 'the billed amount stays an exact string');
  t.match(fact!.value.data, { billedAt: new Date(1_793_500_000_000).toISOString(), merchantReferenceId: 'inv-7' });
});

t.test('only the listed types are published; anything else refuses to map', async (t) => {
  t.equal(aggregateKindOf('StreamWithdrawn'), 'stream');
  t.equal(aggregateKindOf('InvoiceLinkCompleted'), 'invoice-link');
  for (const type of ['ViewEventsRecorded', 'ContractEventObserved', 'TenantFeatureFlagChanged', 'CheckoutSessionOpened', 'toString', 'constructor']) {
    t.equal(aggregateKindOf(type), undefined, `${type} is private`);
    t.notOk(PUBLISHED_TYPES.includes(type));
  }
  const event: RecordedEvent = {
    id: randomUUID(), type: 'ViewEventsRecorded', data: {}, metadata: { source: 'command' }, streamId: 'views-x', streamRevision: 0,
    globalPosition: 1n, position: { commit: 1n, prepare: 1n }, recordedAt: new Date(),
  };
  t.throws(() => toIntegrationMessage(event, 'substream.'), /not a published integration event/);
  const withoutTenant = toIntegrationMessage({ ...event, type: 'StreamPaused', streamId: 'stream-C-1' }, 'p-');
  t.equal(withoutTenant.topic, 'p-stream');
  t.notOk('tenant-id' in withoutTenant.headers, 'no tenant-id header when the event has no tenant');
  t.equal((JSON.parse(withoutTenant.value) as IntegrationEvent).tenantId, null);
});
