import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Networks } from '@stellar/stellar-sdk';
import t from 'tap';
import { parseContracts } from '../../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../../indexer/runner.ts';
import { endOfLedgerCursor, parseEventId, type RpcEvent } from '../../../indexer/sources/rpc-event-id.ts';
import { createRpcEventsSource } from '../../../indexer/sources/rpc-events.ts';
import { createRpcTransactionsSource } from '../../../indexer/sources/rpc-transactions.ts';
import { RetentionGap, SourceUnavailable, type LedgerBatch, type LedgerSource } from '../../../indexer/sources/types.ts';
import { protocol23Ledgers } from '../support/protocol23-ledgers.ts';
import { stellarRpcEventsOf, type LedgerRecord } from '../support/stellar-rpc-ids.ts';

const fast = { baseDelayMs: 1, maxDelayMs: 5, attempts: 2, pollIntervalMs: 5 };

/**
 * A local RPC behind a "load balancer": getLatestLedger and getHealth answer from node A (its tip),
 * getEvents and getTransactions from node B, whose height the test moves. Both answer exactly as
 * stellar-rpc does: a range past the node's latest ledger is clamped (cursor at the node's last
 * ledger), a start outside [oldest, latest] is error -32600 "startLedger must be within the
 * ledger range". `down` makes every request a 503.
 */
interface Nodes {
  url: string;
  tip: number;
  lagging: number;
  oldest: number;
  down: boolean;
  requests: number;
  close(): Promise<void>;
}

async function startNodes(records: LedgerRecord[], heights: { tip: number; lagging: number; oldest: number }): Promise<Nodes> {
  const events = stellarRpcEventsOf(records);
  const state = { ...heights, down: false, requests: 0 };
  const handlers: Record<string, (p: Record<string, any>) => unknown> = {
    getLatestLedger: () => ({ id: 'a', protocolVersion: 23, sequence: state.tip }),
    getHealth: () => ({ status: 'healthy', latestLedger: state.tip, oldestLedger: state.oldest, ledgerRetentionWindow: 120_960 }),
    getEvents: (p) => {
      const cursor = p.pagination?.cursor as string | undefined;
      const limit = p.pagination?.limit ?? 100;
      const start = cursor === undefined ? Number(p.startLedger) : parseEventId(cursor).ledger;
      if (cursor === undefined && (start < state.oldest || start > state.lagging)) {
        throw { code: -32600, message: `startLedger must be within the ledger range: ${state.oldest} - ${state.lagging}` };
      }
      const end = Math.min(start + 10_000, state.lagging + 1, p.endLedger ?? Infinity);
      const page = events.filter((e) => (cursor === undefined ? e.ledger >= start : e.id > cursor) && e.ledger < end).slice(0, limit);
      const next = page.length === limit ? (page.at(-1) as RpcEvent).id : endOfLedgerCursor(end - 1);
      return { events: page, cursor: next, latestLedger: state.lagging, oldestLedger: state.oldest };
    },
    getTransactions: (p) => {
      const start = Number(p.startLedger);
      if (p.pagination?.cursor === undefined && (start < state.oldest || start > state.lagging)) {
        throw { code: -32600, message: `start ledger must be between the oldest ledger: ${state.oldest} and the latest ledger: ${state.lagging}` };
      }
      const from = p.pagination?.cursor !== undefined ? Number(p.pagination.cursor) + 1 : start;
      const page = records.filter((r) => r.ledger >= from && r.ledger <= state.lagging);
      return { transactions: page, latestLedger: state.lagging, oldestLedger: state.oldest, cursor: String(state.lagging) };
    },
  };
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    state.requests++;
    if (state.down) return void res.writeHead(503).end('unavailable');
    const request = JSON.parse(body) as { id: number; method: string; params?: Record<string, unknown> };
    let payload: unknown;
    try {
      payload = { jsonrpc: '2.0', id: request.id, result: handlers[request.method]!(request.params ?? {}) };
    } catch (error) {
      payload = { jsonrpc: '2.0', id: request.id, error };
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const nodes = state as unknown as Nodes;
  nodes.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  nodes.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return nodes;
}

/** Ledgers 995–1005, one Soroban transaction at 1003 (its operation event, fee charge and refund). */
const records = protocol23Ledgers(1_003, [[{ operations: 1, eventsPerOperation: 1, refund: true }]]);

async function readAll(source: LedgerSource, from: number, to: number, nodes: Nodes, catchUpAfter: number): Promise<LedgerBatch[]> {
  const batches: LedgerBatch[] = [];
  const started = nodes.requests;
  const timer = setInterval(() => {
    if (nodes.requests - started >= catchUpAfter) nodes.lagging = nodes.tip;
  }, 2);
  try {
    for await (const batch of source.read({ from, to }, AbortSignal.timeout(10_000))) {
      if (batch.toLedger >= 1_003 && nodes.lagging < 1_003) throw new Error(`ledger ${batch.toLedger} counted as read while the answering node is at ${nodes.lagging}`);
      batches.push(batch);
    }
  } finally {
    clearInterval(timer);
  }
  return batches;
}

for (const [name, make] of [
  ['getEvents', (url: string) => createRpcEventsSource({ rpcUrl: url, contractIds: ['*'], ...fast })],
  ['getTransactions', (url: string) => createRpcTransactionsSource({ rpcUrl: url, ...fast })],
] as const) {
  t.test(`#23.3 ${name}: a node behind the range is "not yet", never "empty" — the event at 1003 is not lost`, async (t) => {
    const nodes = await startNodes(records, { tip: 1_005, lagging: 1_000, oldest: 900 });
    t.teardown(nodes.close);
    const batches = await readAll(make(nodes.url), 995, 1_005, nodes, 12);
    t.equal(batches.at(-1)?.toLedger, 1_005, 'the whole range is read in the end');
    t.ok(batches.every((b, i) => i === 0 || b.fromLedger === batches[i - 1]!.toLedger + 1), 'contiguous');
    const at1003 = batches.flatMap((b) => b.events).filter((e) => e.ledger === 1_003);
    t.equal(at1003.filter((e) => e.stage === 'operation').length, 1, 'the operation event at 1003 arrived');
  });

  t.test(`#23.3 ${name}: a start ahead of the node waits; a start before its oldest ledger is a retention gap with the exact range`, async (t) => {
    const nodes = await startNodes(records, { tip: 1_005, lagging: 1_000, oldest: 900 });
    t.teardown(nodes.close);
    const ahead = await readAll(make(nodes.url), 1_002, 1_005, nodes, 12);
    t.equal(ahead.at(-1)?.toLedger, 1_005, 'waited for the node instead of failing');
    const error = await readAll(make(nodes.url), 850, 1_000, nodes, Infinity).catch((e: unknown) => e);
    t.type(error, RetentionGap);
    t.match(error, { from: 850, to: 899 });
    t.match((error as Error).message, /850.*899/);
  });
}

t.test('#23.5 follow mode waits out an outage longer than the retries, then resumes', async (t) => {
  const { testDatabase } = await import('../../support/database.ts');
  const { db } = await testDatabase(t);
  const nodes = await startNodes(records, { tip: 1_001, lagging: 1_001, oldest: 900 });
  t.teardown(nodes.close);
  nodes.down = true;
  const controller = new AbortController();
  const source = createRpcEventsSource({ rpcUrl: nodes.url, contractIds: ['*'], ...fast });
  const run = runIndexer(db, {
    job: 'live',
    source,
    from: 1_000,
    decode: { passphrase: Networks.PUBLIC, contracts: parseContracts('*') },
    signal: controller.signal,
    pollMs: 5,
    maxPollMs: 20,
  });
  const outcome = run.then(
    () => 'stopped',
    (error: unknown) => error,
  );
  await new Promise((resolve) => setTimeout(resolve, 600));
  t.ok(nodes.requests > 6, `retried through the outage (${nodes.requests} requests)`);
  nodes.down = false;
  nodes.tip = nodes.lagging = 1_005;
  const deadline = Date.now() + 8_000;
  let stored = 0;
  while (Date.now() < deadline && stored === 0) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    stored = Number((await db.selectFrom('events').select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  }
  controller.abort();
  t.equal(await outcome, 'stopped', 'follow mode did not give up during the outage');
  t.equal(stored, 1, 'the event at 1003 arrived after the outage');
});

t.test('#23.5 follow mode ends on a retention gap, naming the missing range', async (t) => {
  const nodes = await startNodes(records, { tip: 1_005, lagging: 1_005, oldest: 1_002 });
  t.teardown(nodes.close);
  const error = await runIndexer(null, {
    job: 'live',
    source: createRpcEventsSource({ rpcUrl: nodes.url, contractIds: ['*'], ...fast }),
    from: 995,
    decode: { passphrase: Networks.PUBLIC, contracts: parseContracts('*') },
    signal: AbortSignal.timeout(5_000),
    pollMs: 5,
  }).catch((e: unknown) => e);
  t.type(error, SourceUnavailable);
  t.match(error, { from: 995, to: 1_001 });
});
