import { readFileSync } from 'node:fs';
import { Networks } from '@stellar/stellar-sdk';
import fc from 'fast-check';
import { sql } from 'kysely';
import t from 'tap';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { rawEventId } from '../../indexer/identity.ts';
import { eventsFromTransactionMeta, unixToIso } from '../../indexer/meta/transaction-events.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { eventsFromTransactionMetaBytes } from '../../indexer/sources/datalake/ledger-close-meta.ts';
import { createRpcEventsSource } from '../../indexer/sources/rpc-events.ts';
import { createRpcTransactionsSource } from '../../indexer/sources/rpc-transactions.ts';
import type { LedgerBatch, RawContractEvent } from '../../indexer/sources/types.ts';
import { testDatabase } from '../support/database.ts';
import { startFakeRpc } from './sources/fake-rpc.ts';
import { protocol23Ledgers, type GeneratedTransaction } from './support/protocol23-ledgers.ts';
import type { LedgerRecord } from './support/stellar-rpc-ids.ts';

const PASSPHRASE = Networks.PUBLIC;
const fast = { baseDelayMs: 1, pollIntervalMs: 1 };
const ids = (events: RawContractEvent[]) => events.map((e) => rawEventId(PASSPHRASE, e)).sort();

async function collect(source: AsyncIterable<LedgerBatch>): Promise<RawContractEvent[]> {
  const events: RawContractEvent[] = [];
  for await (const batch of source) events.push(...batch.events);
  return events;
}

/** The same ledgers read by every source the indexer has: ids of every event, fee events included. */
async function idsBySource(records: LedgerRecord[], pageLimit: number): Promise<Record<string, string[]>> {
  const from = Math.min(...records.map((r) => r.ledger));
  const to = Math.max(...records.map((r) => r.ledger));
  const rpc = await startFakeRpc({ records, oldestLedger: from, latestLedger: to });
  try {
    const ctx = (r: LedgerRecord) => ({ ledger: r.ledger, ledgerClosedAt: unixToIso(r.createdAt), txHash: r.txHash, successful: r.status !== 'FAILED' });
    return {
      getEvents: ids(await collect(createRpcEventsSource({ rpcUrl: rpc.url, contractIds: ['*'], pageLimit, ...fast }).read({ from, to }))),
      getTransactions: ids(await collect(createRpcTransactionsSource({ rpcUrl: rpc.url, pageLimit: 3, ...fast }).read({ from, to }))),
      'horizon meta': ids(records.flatMap((r) => eventsFromTransactionMeta(r.resultMetaXdr, ctx(r)))),
      'data lake': ids(records.flatMap((r) => eventsFromTransactionMetaBytes(Buffer.from(r.resultMetaXdr, 'base64'), ctx(r)))),
    };
  } finally {
    await rpc.close();
  }
}

t.test('#23.1 protocol-23 fee refunds (tx 0xfffff) get their own identity, never an operation event\'s', async (t) => {
  const records = protocol23Ledgers(1_000, [
    [
      { operations: 1, eventsPerOperation: 3, refund: true },
      { operations: 2, eventsPerOperation: 2, refund: true },
      { operations: 1, eventsPerOperation: 1, refund: true },
    ],
  ]);
  const events = await collect(
    (async function* () {
      const rpc = await startFakeRpc({ records, oldestLedger: 1_000, latestLedger: 1_000 });
      try {
        yield* createRpcEventsSource({ rpcUrl: rpc.url, contractIds: ['*'], ...fast }).read({ from: 1_000, to: 1_000 });
      } finally {
        await rpc.close();
      }
    })(),
  );
  t.equal(events.length, 3 + 4 + 1 + 3 + 3, 'operation events, 3 fee charges, 3 refunds');
  t.equal(new Set(ids(events)).size, events.length, 'every event its own id');
  const refunds = events.filter((e) => e.stage === 'after-all-txs');
  t.equal(refunds.length, 3, 'refunds recognised as after all transactions');
  t.ok(refunds.every((e) => e.eventIndex === 0), "each the transaction's first refund");
  t.equal(events.filter((e) => e.stage === 'operation').length, 8);
});

t.test('#23.1 through the runner into PostgreSQL: refunds append, and are left out with fee events excluded', async (t) => {
  const { db } = await testDatabase(t);
  const records = protocol23Ledgers(2_000, [
    [{ operations: 1, eventsPerOperation: 3, refund: true }, { operations: 1, eventsPerOperation: 2, refund: true }],
    [{ operations: 2, eventsPerOperation: 2, refund: true }],
  ]);
  const rpc = await startFakeRpc({ records, oldestLedger: 2_000, latestLedger: 2_001 });
  t.teardown(rpc.close);
  const source = createRpcEventsSource({ rpcUrl: rpc.url, contractIds: ['*'], ...fast });
  const decode = { passphrase: PASSPHRASE, contracts: parseContracts('*') };
  const without = await runIndexer(db, { job: 'replay:rpc:nofee', source, from: 2_000, to: 2_001, decode });
  t.equal(without.appended, 9, 'only the 9 operation events');
  const stages = async () =>
    (await sql<{ stage: string | null; n: string }>`select data->>'stage' as stage, count(*)::text as n from events group by 1 order by 1`.execute(db)).rows;
  t.same(await stages(), [{ stage: null, n: '9' }], 'no fee event stored with fee events excluded');
  const withFees = await runIndexer(db, { job: 'replay:rpc:fee', source, from: 2_000, to: 2_001, decode: { ...decode, includeFeeEvents: true } });
  t.equal(withFees.appended, 6, '3 charges and 3 refunds more');
  t.equal(withFees.duplicates, 9);
  t.same(await stages(), [
    { stage: 'after-all-txs', n: '3' },
    { stage: 'before-all-txs', n: '3' },
    { stage: null, n: '9' },
  ]);
});

t.test('#23.2 mainnet ledger 30820015: every source gives the same ids, the 59 fee events included', async (t) => {
  const lines = readFileSync(new URL('../fixtures/stellar/mainnet/ledger-30820015.get-transactions.ndjson', import.meta.url), 'utf8').trim().split('\n');
  const records = lines.map((line) => JSON.parse(line) as LedgerRecord).map((r) => ({ ...r, createdAt: Number(r.createdAt) }));
  const bySource = await idsBySource(records, 7);
  t.equal(bySource.getEvents?.length, 3 + 59);
  for (const [name, got] of Object.entries(bySource)) t.same(got, bySource.getEvents, `${name} = getEvents`);
});

const transactionSpec: fc.Arbitrary<GeneratedTransaction> = fc.record({
  operations: fc.integer({ min: 0, max: 3 }),
  eventsPerOperation: fc.integer({ min: 0, max: 3 }),
  refund: fc.boolean(),
  afterTx: fc.boolean(),
  successful: fc.boolean(),
  system: fc.boolean(),
});

t.test('#23.2 property: generated protocol-23 ledgers give identical, unique id sets from every source', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(transactionSpec, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 6 }),
      async (ledgers, pageLimit) => {
        const records = protocol23Ledgers(5_000, ledgers);
        const bySource = await idsBySource(records, pageLimit);
        const reference = bySource.getEvents ?? [];
        if (new Set(reference).size !== reference.length) throw new Error('duplicate ids from getEvents');
        for (const [name, got] of Object.entries(bySource)) {
          if (JSON.stringify(got) !== JSON.stringify(reference)) throw new Error(`${name} differs from getEvents`);
        }
      },
    ),
    { numRuns: 40 },
  );
  t.pass('40 random ledger sets agree');
});

t.test('#15 a getEvents item without inSuccessfulContractCall decodes and indexes the same', async (t) => {
  const { db } = await testDatabase(t);
  const records = protocol23Ledgers(3_000, [[{ operations: 1, eventsPerOperation: 2, refund: true }]]);
  const decode = { passphrase: PASSPHRASE, contracts: parseContracts('*'), includeFeeEvents: true };
  const withField = await startFakeRpc({ records, oldestLedger: 3_000, latestLedger: 3_000 });
  const withoutField = await startFakeRpc({ records, oldestLedger: 3_000, latestLedger: 3_000, withoutInSuccessfulContractCall: true });
  t.teardown(withField.close);
  t.teardown(withoutField.close);
  const read = (url: string) => collect(createRpcEventsSource({ rpcUrl: url, contractIds: ['*'], ...fast }).read({ from: 3_000, to: 3_000 }));
  const [a, b] = [await read(withField.url), await read(withoutField.url)];
  t.same(ids(b), ids(a), 'same ids');
  const stats = await runIndexer(db, { job: 'replay:rpc:nofield', source: createRpcEventsSource({ rpcUrl: withoutField.url, contractIds: ['*'], ...fast }), from: 3_000, to: 3_000, decode });
  t.equal(stats.appended, 4, 'two operation events, a charge and a refund');
  t.equal(stats.malformed, 0);
  const { rows } = await sql<{ flag: string | null }>`select data->>'inSuccessfulContractCall' as flag from events`.execute(db);
  t.ok(rows.every((r) => r.flag !== 'false'), 'a missing field is never stored as a failure');
});
