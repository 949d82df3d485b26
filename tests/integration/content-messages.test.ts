import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import { publishContent } from '../../commands/publish-content.ts';
import { registerCreator } from '../../commands/register-creator.ts';
import { setTiers } from '../../commands/set-tiers.ts';
import { deleteContent, updateContent } from '../../commands/update-content.ts';
import { contentStreamId } from '../../domain/content/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { toIntegrationMessage, type IntegrationEvent } from '../../integration/message.ts';
import { aggregateKindOf } from '../../integration/published-events.ts';
import { relayBatch } from '../../integration/relay.ts';
import { publicData } from '../../integration/withheld-fields.ts';
import { testDatabase } from '../support/database.ts';
import { recordingPublisher } from '../support/recording-publisher.ts';

t.test('content events are published on the content topic, keyed by item, without the gated url', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const creator = Keypair.random().publicKey();
  const token = StrKey.encodeContract(Buffer.alloc(32, 7));
  const correlationId = randomUUID();
  const context = { actor: creator, tenantId: creator, now: '2026-11-01T10:00:00.000Z', correlationId };
  await registerCreator({ store }, { displayName: 'Cy' }, context);
  await setTiers({ store }, { tiers: [{ name: 'silver', token, price: { kind: 'rate', ratePerSecond: '10' } }, { name: 'gold', token, price: { kind: 'rate', ratePerSecond: '20' } }] }, context);
  const secret = `https://cdn.example/gated/${randomUUID()}.mp4`;
  const moved = `https://cdn.example/gated/${randomUUID()}.mp4`;
  const { contentId } = await publishContent({ store }, { title: 'Episode 1', minTier: 'gold', url: secret }, context);
  await updateContent({ store }, contentId, { title: 'Episode 1 (cut)', minTier: 'silver', url: moved }, { ...context, now: '2026-11-01T11:00:00.000Z' });
  await deleteContent({ store }, contentId, { ...context, now: '2026-11-01T12:00:00.000Z' });

  const publisher = recordingPublisher();
  await relayBatch(db, publisher, { name: 'kafka', topicPrefix: 'substream.', batchSize: 100 });
  const messages = publisher.batches.flat().filter((m) => m.topic === 'substream.content');
  t.same(messages.map((m) => m.headers['event-type']), ['ContentPublished', 'ContentUpdated', 'ContentDeleted'], 'all three, in order, on substream.content');
  const stored = new Map((await store.readStream(contentStreamId(contentId))).map((e) => [e.id, e]));
  for (const message of messages) {
    const event = stored.get(message.headers['event-id']!)!;
    const value = JSON.parse(message.value) as IntegrationEvent;
    t.equal(message.key, contentStreamId(contentId), `${event.type}: key = the item's stream, one partition in order`);
    t.equal(message.headers['tenant-id'], creator, `${event.type}: tenant = the creator`);
    t.match(value, { id: event.id, type: event.type, streamId: event.streamId, revision: event.streamRevision, tenantId: creator, source: 'command', chain: null, correlationId });
    const { url: _url, ...rest } = event.data as Record<string, unknown>;
    t.same(value.data, rest, `${event.type}: the stored data less url`);
    t.notOk(JSON.stringify(message).includes('cdn.example'), `${event.type}: no url anywhere in the message`);
  }
  const [published, updated, deleted] = messages.map((m) => (JSON.parse(m.value) as IntegrationEvent).data);
  t.same(published, { contentId, creator, title: 'Episode 1', minTier: 'gold', publishedAt: '2026-11-01T10:00:00.000Z' }, 'the catalogue fact: id, creator, title, tier, time');
  t.same(updated, { contentId, creator, title: 'Episode 1 (cut)', minTier: 'silver', updatedAt: '2026-11-01T11:00:00.000Z' });
  t.same(deleted, { contentId, creator, deletedAt: '2026-11-01T12:00:00.000Z' });
});

t.test('content types map to the content kind; publicData withholds only the listed fields of the listed types', async (t) => {
  for (const type of ['ContentPublished', 'ContentUpdated', 'ContentDeleted']) t.equal(aggregateKindOf(type), 'content', `${type} → content`);
  const url = 'https://cdn.example/x';
  t.same(publicData('ContentUpdated', { contentId: 'c', url, title: 'T' }), { contentId: 'c', title: 'T' });
  t.same(publicData('InvoiceLinkCreated', { pdfUrl: url, url }), { pdfUrl: url, url }, 'another type keeps a field of the same name');
  t.equal(publicData('ContentPublished', null), null);
  const message = toIntegrationMessage({
    id: randomUUID(), type: 'ContentPublished', streamId: 'content-1', streamRevision: 0, globalPosition: 1n, position: { commit: 1n, prepare: 1n },
    recordedAt: new Date(), metadata: { source: 'command' }, data: { contentId: '1', creator: 'G', title: 'T', minTier: 'gold', url, publishedAt: 'now' },
  }, 'p.');
  t.equal(message.topic, 'p.content');
  t.notMatch(message.value, /cdn\.example/, 'the mapper itself withholds it, whatever calls it');
});
