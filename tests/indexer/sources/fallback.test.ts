import { Networks } from '@stellar/stellar-sdk';
import t, { type Test } from 'tap';
import { parseContracts } from '../../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../../indexer/runner.ts';
import { withFallback } from '../../../indexer/sources/fallback.ts';
import { createRpcEventsSource } from '../../../indexer/sources/rpc-events.ts';
import { RetentionGap, type LedgerBatch, type LedgerSource } from '../../../indexer/sources/types.ts';
import { testDatabase } from '../../support/database.ts';
import { contract, i128, rawEvent, sym } from '../events.ts';
import { memorySource } from '../memory-source.ts';
import { protocol23Ledgers } from '../support/protocol23-ledgers.ts';
import { startFakeRpc } from './fake-rpc.ts';

const fast = { baseDelayMs: 1, attempts: 2, pollIntervalMs: 5 };

/** RPC keeps 1,010–1,020 (one event at 1,015); the "data lake" stands in with events at 1,002 and 1,007. */
async function setup(t: Test) {
  const rpc = await startFakeRpc({ records: protocol23Ledgers(1_015, [[{ operations: 1, eventsPerOperation: 1, refund: false }]]), oldestLedger: 1_010, latestLedger: 1_020 });
  t.teardown(rpc.close);
  const old = [1_002, 1_007].map((ledger) => rawEvent(contract('lake'), [sym('transfer')], i128(ledger), { ledger }));
  const lakeReads: { from: number; to?: number }[] = [];
  const lake = memorySource(old, { latest: 1_020 }, 'datalake');
  const recordingLake: LedgerSource = { ...lake, read: (range, signal) => (lakeReads.push(range), lake.read(range, signal)) };
  return { rpc, lake: recordingLake, lakeReads };
}

t.test('#15 past RPC retention, the data lake serves the gap and reading returns to RPC', async (t) => {
  const { rpc, lake, lakeReads } = await setup(t);
  const source = withFallback(createRpcEventsSource({ rpcUrl: rpc.url, contractIds: ['*'], ...fast }), lake);
  const batches: LedgerBatch[] = [];
  for await (const batch of source.read({ from: 1_000, to: 1_020 })) batches.push(batch);
  t.same(lakeReads, [{ from: 1_000, to: 1_009 }], 'the lake read exactly the missing range');
  t.equal(batches[0]?.fromLedger, 1_000);
  t.equal(batches.at(-1)?.toLedger, 1_020);
  t.ok(batches.every((b, i) => i === 0 || b.fromLedger === batches[i - 1]!.toLedger + 1), 'contiguous');
  t.same(batches.flatMap((b) => b.events).filter((e) => e.stage === 'operation').map((e) => e.ledger), [1_002, 1_007, 1_015]);
});

t.test('#15 index --follow: catches up from the data lake on its own, then follows RPC', async (t) => {
  const { db } = await testDatabase(t);
  const { rpc, lake } = await setup(t);
  const controller = new AbortController();
  const run = runIndexer(db, {
    job: 'live',
    source: withFallback(createRpcEventsSource({ rpcUrl: rpc.url, contractIds: ['*'], ...fast }), lake),
    from: 1_000,
    decode: { passphrase: Networks.PUBLIC, contracts: parseContracts('*') },
    signal: controller.signal,
    pollMs: 5,
    onProgress: (stats) => {
      if ((stats.lastLedger ?? 0) >= 1_020) controller.abort();
    },
  });
  const timer = setTimeout(() => controller.abort(), 10_000);
  const stats = await run;
  clearTimeout(timer);
  t.equal(stats.lastLedger, 1_020, 'followed to the RPC tip');
  t.equal(stats.events, 3, 'two events from the lake, one from RPC');
});

t.test('#15 without a fallback the retention gap ends follow mode with the exact range', async (t) => {
  const { rpc } = await setup(t);
  const error = await runIndexer(null, {
    job: 'live',
    source: createRpcEventsSource({ rpcUrl: rpc.url, contractIds: ['*'], ...fast }),
    from: 1_000,
    decode: { passphrase: Networks.PUBLIC, contracts: parseContracts('*') },
    signal: AbortSignal.timeout(5_000),
    pollMs: 5,
  }).catch((e: unknown) => e);
  t.type(error, RetentionGap);
  t.match(error, { from: 1_000, to: 1_009 });
});
