import t from 'tap';
import { Networks } from '@stellar/stellar-sdk';
import { eventIds, INDEXER_NAMESPACE, uuidV5 } from '../../indexer/identity.ts';
import { contract, i128, rawEvent, sym } from './events.ts';

t.test('uuidV5 matches RFC 4122 vectors', async (t) => {
  t.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  t.equal(uuidV5('https://substream.dev/indexer', '6ba7b811-9dad-11d1-80b4-00c04fd430c8'), INDEXER_NAMESPACE);
  t.match(uuidV5('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

t.test('event ids depend on network, txHash, operation and event index only', async (t) => {
  const event = rawEvent(contract('c'), [sym('transfer')], i128(1));
  const ids = eventIds(Networks.PUBLIC, event);
  t.same(eventIds(Networks.PUBLIC, { ...event, ledgerClosedAt: 'other', value: 'x', contractId: contract('d') }), ids, 'payload does not matter');
  t.not(eventIds(Networks.TESTNET, event).raw, ids.raw, 'network matters');
  t.not(eventIds(Networks.PUBLIC, { ...event, operationIndex: 1 }).raw, ids.raw, 'operation index matters');
  t.not(eventIds(Networks.PUBLIC, { ...event, eventIndex: 1 }).raw, ids.raw, 'event index matters');
  t.not(eventIds(Networks.PUBLIC, { ...event, stage: 'after-all-txs' }).raw, ids.raw, 'fee events have their own space');
  t.not(ids.fact, ids.raw);
  t.equal(ids.raw, uuidV5(`${Networks.PUBLIC}:${event.txHash}:0:0`));
  t.equal(ids.fact, uuidV5(`${Networks.PUBLIC}:${event.txHash}:0:0:fact`));
  const refund = { ...event, stage: 'after-all-txs' as const, operationIndex: 0xfff };
  t.equal(eventIds(Networks.PUBLIC, refund).raw, uuidV5(`${Networks.PUBLIC}:${event.txHash}:after-all-txs:0`), 'transaction-level: stage and index');
  const stages = (['before-all-txs', 'after-tx', 'after-all-txs'] as const).map((stage) => eventIds(Networks.PUBLIC, { ...refund, stage }).raw);
  t.equal(new Set([...stages, ids.raw]).size, 4, 'each stage its own space');
});
