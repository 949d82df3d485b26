import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { eventsFromTransactionRecord, type TransactionRecord } from '../../../indexer/meta/transaction-events.ts';
import { createRpcClient, parseRetryAfter, RpcError } from '../../../indexer/sources/rpc-client.ts';
import { createRpcEventReader } from '../../../indexer/sources/rpc-event-id.ts';
import { createRpcEventsSource, filterStreams } from '../../../indexer/sources/rpc-events.ts';
import { createRpcTransactionsSource } from '../../../indexer/sources/rpc-transactions.ts';
import { SourceUnavailable, type LedgerBatch, type RawContractEvent } from '../../../indexer/sources/types.ts';
import { rpcEventsOf, spreadRecords, startFakeRpc } from './fake-rpc.ts';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/stellar/mainnet/rpc-get-transactions.json', import.meta.url), 'utf8')) as {
  records: TransactionRecord[];
};
const FIRST = 1_000_000;
const records = spreadRecords(fixture.records, FIRST);
const LAST = (records.at(-1) as { ledger: number }).ledger;
const key = (e: RawContractEvent) => `${e.txHash}/${e.stage}/${e.operationIndex}/${e.eventIndex}`;
const fast = { baseDelayMs: 1, pollIntervalMs: 1 };

async function collect(source: AsyncIterable<LedgerBatch>): Promise<LedgerBatch[]> {
  const batches: LedgerBatch[] = [];
  for await (const batch of source) batches.push(batch);
  return batches;
}

function assertContiguous(t: Test, batches: LedgerBatch[], from: number, to: number) {
  t.equal(batches[0]?.fromLedger, from, 'starts at from');
  t.equal(batches.at(-1)?.toLedger, to, 'ends at to');
  t.ok(batches.every((b, i) => i === 0 || b.fromLedger === (batches[i - 1] as LedgerBatch).toLedger + 1), 'no holes, no overlaps');
  t.ok(batches.every((b) => b.events.every((e) => e.ledger >= b.fromLedger && e.ledger <= b.toLedger)), 'events inside their batch');
}

t.test('filters are chunked to 5 ids a filter and 5 filters a request', async (t) => {
  const ids = Array.from({ length: 27 }, (_, i) => `C${i}`);
  const streams = filterStreams(ids);
  t.equal(streams.length, 2);
  t.same(streams.map((s) => s.length), [5, 1]);
  t.ok(streams.flat().every((f) => (f.contractIds?.length ?? 0) <= 5));
  t.same(filterStreams(['*']), [[{ type: 'contract' }]]);
});

t.test('getEvents: windows, cursor paging, split ledgers, many contract ids, 429 retry', async (t) => {
  const rpc = await startFakeRpc({ records, oldestLedger: FIRST - 10, latestLedger: LAST + 100 });
  t.teardown(rpc.close);
  const expected = rpcEventsOf(records);
  t.equal(expected.length, 163 + 50, 'operation events and one fee event a transaction');
  const contractIds = [...new Set(expected.map((e) => e.contractId))];
  t.ok(contractIds.length > 25, `${contractIds.length} contracts: several request streams`);

  for (const [label, ids, pageLimit] of [
    ['all 35 ids, small pages', contractIds, 7],
    ['every contract, one stream', ['*'], 5],
    ['every contract, big pages', [], 10_000],
  ] as const) {
    const source = createRpcEventsSource({ rpcUrl: rpc.url, contractIds: ids, pageLimit, ...fast });
    const batches = await collect(source.read({ from: FIRST, to: LAST + 50 }));
    assertContiguous(t, batches, FIRST, LAST + 50);
    const events = batches.flatMap((b) => b.events);
    t.equal(events.length, 213, `${label}: 213 events`);
    const read = createRpcEventReader();
    t.same(events.map(key), expected.map((e) => key(read(e))), `${label}: in id order`);
  }
  const getEvents = rpc.calls.filter((c) => c.method === 'getEvents');
  t.equal(getEvents[0]?.status, 429, 'first call throttled');
  t.equal(getEvents[1]?.status, 200, 'then retried');
  t.ok(getEvents.every((c) => !(c.params.pagination as { cursor?: string } | undefined)?.cursor || c.params.startLedger === undefined), 'cursor never with a range');
  t.ok(
    getEvents.filter((c) => c.params.startLedger !== undefined).every((c) => (c.params.endLedger as number) - (c.params.startLedger as number) <= 10_000),
    'at most 10,000 ledgers a request',
  );
  t.ok(getEvents.every((c) => (c.params.filters as unknown[]).length <= 5), '≤ 5 filters a request');
});

t.test('getEvents before oldestLedger fails fast naming the data lake', async (t) => {
  const rpc = await startFakeRpc({ records, oldestLedger: FIRST + 5_000, latestLedger: LAST });
  t.teardown(rpc.close);
  const source = createRpcEventsSource({ rpcUrl: rpc.url, contractIds: ['*'], ...fast });
  const error = await collect(source.read({ from: FIRST, to: FIRST + 10 })).catch((e: unknown) => e);
  t.type(error, SourceUnavailable);
  t.match((error as Error).message, /--source datalake/);
  t.match((error as Error).message, new RegExp(String(FIRST + 5_000)));
});

t.test('latestLedger via getLatestLedger', async (t) => {
  const rpc = await startFakeRpc({ records, oldestLedger: FIRST, latestLedger: LAST + 7 });
  t.teardown(rpc.close);
  t.equal(await createRpcEventsSource({ rpcUrl: rpc.url, contractIds: [], ...fast }).latestLedger(), LAST + 7);
  t.equal(await createRpcTransactionsSource({ rpcUrl: rpc.url, ...fast }).latestLedger(), LAST + 7);
});

t.test('getTransactions source: every transaction, events decoded from meta', async (t) => {
  const rpc = await startFakeRpc({ records, oldestLedger: FIRST, latestLedger: LAST + 100 });
  t.teardown(rpc.close);
  const source = createRpcTransactionsSource({ rpcUrl: rpc.url, pageLimit: 4, ...fast });
  const batches = await collect(source.read({ from: FIRST, to: LAST + 20 }));
  assertContiguous(t, batches, FIRST, LAST + 20);
  t.equal(batches.reduce((n, b) => n + b.transactions, 0), 50, '50 transactions');
  const events = batches.flatMap((b) => b.events);
  t.equal(events.filter((e) => e.stage === 'operation').length, 163);
  t.equal(events.filter((e) => e.stage !== 'operation').length, 50, 'fee events');
  t.ok(rpc.calls.filter((c) => c.method === 'getTransactions').every((c) => ((c.params.pagination as { limit: number }).limit) <= 200));

  const early = createRpcTransactionsSource({ rpcUrl: rpc.url, ...fast });
  const error = await collect(early.read({ from: FIRST - 100, to: FIRST })).catch((e: unknown) => e);
  t.type(error, SourceUnavailable);
  t.match((error as Error).message, /datalake/);
});

t.test('identity: getEvents and getTransactions meta give the same (txHash, stage, operationIndex, eventIndex)', async (t) => {
  const rpc = await startFakeRpc({ records, oldestLedger: FIRST, latestLedger: LAST });
  t.teardown(rpc.close);
  const viaEvents = (await collect(createRpcEventsSource({ rpcUrl: rpc.url, contractIds: ['*'], pageLimit: 9, ...fast }).read({ from: FIRST, to: LAST })))
    .flatMap((b) => b.events);
  const viaMeta = records.flatMap((r) => eventsFromTransactionRecord(r));
  t.equal(viaEvents.length, 213, '163 operation events and 50 fee events');
  t.same(new Set(viaEvents.map(key)), new Set(viaMeta.map(key)), 'same keys');
  t.equal(new Set(viaMeta.map(key)).size, 213, 'keys are unique');
  const byKey = (a: RawContractEvent, b: RawContractEvent) => (key(a) < key(b) ? -1 : 1);
  const strip = ({ ledgerClosedAt: _c, ...rest }: RawContractEvent) => rest;
  t.same(viaEvents.sort(byKey).map(strip), viaMeta.sort(byKey).map(strip), 'same events, field for field');
});

t.test('rpc client: gives up clearly after retries; Retry-After honoured; JSON-RPC errors not retried', async (t) => {
  const { createServer } = await import('node:http');
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    if (req.url === '/down') return void res.writeHead(503, { 'retry-after': '0' }).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'method not found' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;

  const down = createRpcClient(`${base}/down`, { attempts: 3, baseDelayMs: 1 });
  const error = await down.call('getHealth').catch((e: unknown) => e);
  t.type(error, SourceUnavailable);
  t.match((error as Error).message, /gave up after 3 attempts \(last: HTTP 503\)/);
  t.equal(hits, 3);

  hits = 0;
  const wrong = createRpcClient(`${base}/rpc`, { attempts: 3, baseDelayMs: 1 });
  t.rejects(wrong.call('nope'), RpcError);
  await wrong.call('nope').catch(() => undefined);
  t.ok(hits <= 2, 'not retried');

  t.equal(parseRetryAfter('2'), 2000);
  t.equal(parseRetryAfter(null), undefined);
  t.ok((parseRetryAfter(new Date(Date.now() + 5_000).toUTCString()) ?? 0) > 3_000);

  const unreachable = createRpcClient('http://127.0.0.1:9', { attempts: 2, baseDelayMs: 1 });
  t.type(await unreachable.call('getHealth').catch((e: unknown) => e), SourceUnavailable, 'network errors end as SourceUnavailable');
});
