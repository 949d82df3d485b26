import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TransactionRecord } from '../../../indexer/meta/transaction-events.ts';
import { formatEventId, parseEventId, type RpcEvent } from '../../../indexer/sources/rpc-event-id.ts';
import { stellarRpcEventsOf, type LedgerRecord } from '../support/stellar-rpc-ids.ts';

/**
 * A test double of a Stellar RPC server (only the remote network is faked): getLatestLedger,
 * getEvents and getTransactions over recorded transactions, honouring startLedger/endLedger
 * (exclusive), cursor (never together with a ledger range), limit, filters, the 10,000-ledger
 * scan, retention (`oldestLedger`), and answering 429 to the first request of each method.
 */
export interface FakeRpc {
  url: string;
  calls: { method: string; params: Record<string, unknown>; status: number }[];
  close(): Promise<void>;
}

export interface FakeRpcData {
  records: LedgerRecord[];
  oldestLedger: number;
  latestLedger: number;
  maxLimit?: number;
  /** Serve getEvents items without the deprecated `inSuccessfulContractCall` (recent stellar-rpc). */
  withoutInSuccessfulContractCall?: boolean;
}

/** getEvents items of the recorded transactions, fee events included, numbered as stellar-rpc does. */
export function rpcEventsOf(records: FakeRpcData['records']): RpcEvent[] {
  return stellarRpcEventsOf(records);
}

export async function startFakeRpc(data: FakeRpcData): Promise<FakeRpc> {
  const events = stellarRpcEventsOf(data.records, { withoutInSuccessfulContractCall: data.withoutInSuccessfulContractCall === true });
  const maxLimit = data.maxLimit ?? 10_000;
  const throttled = new Set<string>();
  const calls: FakeRpc['calls'] = [];

  const handlers: Record<string, (params: Record<string, any>) => unknown> = {
    getLatestLedger: () => ({ id: 'x', protocolVersion: 23, sequence: data.latestLedger }),
    getHealth: () => ({ status: 'healthy', latestLedger: data.latestLedger, oldestLedger: data.oldestLedger, ledgerRetentionWindow: 120_960 }),
    getEvents: (params) => {
      const cursor = params.pagination?.cursor as string | undefined;
      const limit = params.pagination?.limit ?? 100;
      if (cursor !== undefined && (params.startLedger || params.endLedger)) throw rpcError('ledger ranges and cursor cannot both be set');
      if (limit > maxLimit) throw rpcError(`limit must not exceed ${maxLimit}`);
      const filters = (params.filters ?? []) as { contractIds?: string[] }[];
      if (filters.length > 5) throw rpcError('maximum 5 filters per request');
      if (filters.some((f) => (f.contractIds?.length ?? 0) > 5)) throw rpcError('maximum 5 contract IDs per filter');
      const start = cursor === undefined ? Number(params.startLedger) : parseEventId(cursor).ledger;
      if (cursor === undefined && (start < data.oldestLedger || start > data.latestLedger)) {
        throw rpcError(`startLedger must be between the oldest ledger: ${data.oldestLedger} and the latest ledger: ${data.latestLedger}`);
      }
      const end = Math.min(start + 10_000, params.endLedger ?? Infinity, data.latestLedger + 1);
      const matches = (e: RpcEvent) =>
        filters.length === 0 || filters.some((f) => !f.contractIds || f.contractIds.includes(e.contractId));
      const page = events
        .filter((e) => (cursor === undefined ? e.ledger >= start : e.id > cursor) && e.ledger < end && matches(e))
        .slice(0, limit);
      const next = page.length === limit ? (page.at(-1) as RpcEvent).id : formatEventId(end - 1, 0xfffff, 0xfff, 0xffffffff);
      return { events: page, cursor: next, latestLedger: data.latestLedger, oldestLedger: data.oldestLedger };
    },
    getTransactions: (params) => {
      const cursor = params.pagination?.cursor as string | undefined;
      const limit = params.pagination?.limit ?? 50;
      if (limit > 200) throw rpcError('limit must not exceed 200');
      if (cursor === undefined && (params.startLedger < data.oldestLedger || params.startLedger > data.latestLedger)) {
        throw rpcError(`start ledger must be between the oldest ledger: ${data.oldestLedger} and the latest ledger: ${data.latestLedger}`);
      }
      const toid = (r: FakeRpcData['records'][number]) => formatEventId(r.ledger, r.applicationOrder, 0, 0).slice(0, 19);
      const page = [...data.records]
        .sort((a, b) => a.ledger - b.ledger || a.applicationOrder - b.applicationOrder)
        .filter((r) => (cursor === undefined ? r.ledger >= params.startLedger : toid(r) > cursor))
        .slice(0, limit);
      const next = page.length > 0 ? toid(page.at(-1) as FakeRpcData['records'][number]) : cursor;
      return { transactions: page, latestLedger: data.latestLedger, oldestLedger: data.oldestLedger, cursor: next };
    },
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const request = JSON.parse(body) as { id: number; method: string; params?: Record<string, unknown> };
    const params = request.params ?? {};
    if (!throttled.has(request.method)) {
      throttled.add(request.method);
      calls.push({ method: request.method, params, status: 429 });
      res.writeHead(429, { 'retry-after': '0' }).end('slow down');
      return;
    }
    calls.push({ method: request.method, params, status: 200 });
    const handler = handlers[request.method];
    let payload: unknown;
    try {
      if (!handler) throw { code: -32601, message: 'method not found' };
      payload = { jsonrpc: '2.0', id: request.id, result: handler(params) };
    } catch (error) {
      payload = { jsonrpc: '2.0', id: request.id, error };
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function rpcError(message: string) {
  return { code: -32602, message };
}

/** The shared fixture's 50 transactions spread over ledgers (3 a ledger, 2,500 ledgers apart). */
export function spreadRecords(records: TransactionRecord[], firstLedger: number): FakeRpcData['records'] {
  return records.map((record, i) => {
    const ledger = firstLedger + Math.floor(i / 3) * 2_500;
    return { ...record, status: 'SUCCESS', ledger, applicationOrder: (i % 3) + 1, createdAt: 1_750_000_000 + (ledger - firstLedger) * 5 };
  });
}

