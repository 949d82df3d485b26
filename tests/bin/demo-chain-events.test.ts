import { Asset, Networks } from '@stellar/stellar-sdk';
import t from 'tap';
import { getEventsItem, ledgerAt, closedAt, type DemoFact } from '../../bin/demo/chain-events.ts';
import { demoKeypair, DEMO_CONTRACT_ID } from '../../bin/demo/plan.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { decodeEvent } from '../../indexer/decoders/decode.ts';
import { createRpcEventReader } from '../../indexer/sources/rpc-event-id.ts';

const subscriber = demoKeypair('test:subscriber').publicKey();
const creator = demoKeypair('test:creator').publicKey();
const token = Asset.native().contractId(Networks.TESTNET);
const at = new Date('2026-11-01T10:00:00Z');
const options = { passphrase: Networks.TESTNET, contracts: parseContracts(`${DEMO_CONTRACT_ID}=substream-v1`) };

// The class of bug: a demo fact the real decoder does not read (a wrong topic, type or field),
// silently counted as malformed. Every kind the demo emits goes through the indexer's own reader
// and decoder and must come out as the domain event the dashboard shows.
const cases: [DemoFact, string, Record<string, unknown>][] = [
  [
    { name: 'subscription_created', subscriber, creator, planId: 2, token, ratePerSecond: 46n, createdAt: at },
    'SubscriptionActivated',
    { subscriber, creator, token, ratePerSecond: '46', planId: 2, activatedAt: '2026-11-01T10:00:00.000Z' },
  ],
  [
    { name: 'subscription_billed', subscriber, creator, amount: 120_000_000n, billedAt: at, reference: 'demo-1-1' },
    'SubscriptionBilled',
    { subscriber, creator, amount: '120000000', billedAt: '2026-11-01T10:00:00.000Z', merchantReferenceId: 'demo-1-1' },
  ],
  [{ name: 'unsubscribed', subscriber, creator }, 'SubscriptionCancelled', { subscriber, creator, refundAmount: '0' }],
];

t.test('every demo fact kind decodes, through the real reader and decoder, to its domain event', async (t) => {
  const ledger = ledgerAt(at);
  for (const [fact, type, data] of cases) {
    const item = getEventsItem(DEMO_CONTRACT_ID, fact, { ledger, closedAt: closedAt(ledger), txOrder: 3 });
    const raw = createRpcEventReader()(item);
    t.match(raw, { ledger, operationIndex: 0, eventIndex: 0, stage: 'operation', contractId: DEMO_CONTRACT_ID }, `${fact.name}: the id reads back as ledger ${ledger}, tx 3, op 0, event 0`);
    const decoded = decodeEvent(raw, options);
    t.equal(decoded.malformed, undefined, `${fact.name}: not malformed`);
    const domain = decoded.appends.find((a) => a.event.type !== 'ContractEventObserved');
    t.equal(domain?.event.type, type, fact.name);
    t.match(domain?.event.data, data, `${fact.name}: its fields`);
  }
});

t.test('demo ledgers close every 5 s and map back to their close time', async (t) => {
  const ledger = ledgerAt(at);
  t.equal(closedAt(ledger).getTime() <= at.getTime(), true);
  t.equal(at.getTime() - closedAt(ledger).getTime() < 5_000, true);
  t.equal(ledgerAt(new Date(at.getTime() + 5_000)), ledger + 1);
});
