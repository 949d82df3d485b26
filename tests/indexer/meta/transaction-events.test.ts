import { readFileSync } from 'node:fs';
import { scValToNative, xdr } from '@stellar/stellar-sdk';
import t from 'tap';
import {
  eventsFromTransactionMeta,
  eventsFromTransactionRecord,
  TRANSACTION_LEVEL_OPERATION_INDEX,
  type TransactionRecord,
} from '../../../indexer/meta/transaction-events.ts';
import { eventsFromTransactionMetaBytes } from '../../../indexer/sources/datalake/ledger-close-meta.ts';
import type { RawContractEvent } from '../../../indexer/sources/types.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/stellar/mainnet/${name}`, import.meta.url), 'utf8');
const { records } = JSON.parse(fixture('rpc-get-transactions.json')) as { records: TransactionRecord[] };
const ledgerRecords = fixture('ledger-30820015.get-transactions.ndjson')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as TransactionRecord);
const symbol = (e: RawContractEvent) => String(scValToNative(xdr.ScVal.fromXdr(e.topics[0] as string, 'base64')));

function countBy<T>(items: T[], by: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[by(item)] = (counts[by(item)] ?? 0) + 1;
  return counts;
}

t.test('rpc-get-transactions.json (meta v4): 163 operation events, 50 fee events', async (t) => {
  const events = records.flatMap((r) => eventsFromTransactionRecord(r, { ledger: 63800108 }));
  const operation = events.filter((e) => e.stage === 'operation');
  const transaction = events.filter((e) => e.stage !== 'operation');
  t.equal(operation.length, 163);
  t.same(countBy(operation, symbol), { transfer: 73, mint: 90 });
  t.equal(transaction.length, 50);
  t.same(countBy(transaction, symbol), { fee: 50 });
  t.ok(transaction.every((e) => e.operationIndex === TRANSACTION_LEVEL_OPERATION_INDEX));
  t.equal(new Set(operation.map((e) => e.contractId)).size, 35, '35 contracts');
  const keys = events.map((e) => `${e.txHash}/${e.operationIndex}/${e.eventIndex}`);
  t.equal(new Set(keys).size, keys.length, 'identity keys are unique');
  t.ok(operation.every((e) => /^C[A-Z2-7]{55}$/.test(e.contractId)));
});

t.test('event index restarts for every operation', async (t) => {
  const events = records.flatMap((r) => eventsFromTransactionRecord(r)).filter((e) => e.stage === 'operation');
  const multiOp = events.filter((e) => e.operationIndex > 0);
  t.ok(multiOp.length > 0, 'fixture has events in later operations');
  const firstOfOps = new Map<string, number>();
  for (const e of events) {
    const k = `${e.txHash}/${e.operationIndex}`;
    firstOfOps.set(k, Math.min(firstOfOps.get(k) ?? Infinity, e.eventIndex));
  }
  t.ok([...firstOfOps.values()].every((i) => i === 0), 'each operation starts at event 0');
});

t.test('ledger 30820015: failed transactions are kept and marked', async (t) => {
  t.equal(ledgerRecords.length, 59);
  t.equal(ledgerRecords.filter((r) => r.status === 'FAILED').length, 15);
  const events = ledgerRecords.flatMap((r) => eventsFromTransactionRecord(r));
  const operation = events.filter((e) => e.stage === 'operation');
  t.same(countBy(operation, symbol), { transfer: 1, set_authorized: 2 });
  const fees = events.filter((e) => e.stage !== 'operation');
  t.equal(fees.length, 59);
  t.equal(fees.filter((e) => !e.inSuccessfulContractCall).length, 15, 'fee events of failed transactions marked');
  t.equal(operation[0]?.ledger, 30820015);
  t.equal(operation[0]?.ledgerClosedAt, '2020-07-27T21:12:51Z');
});

t.test('an SDK TransactionMeta object works too; the byte reader gives the same events', async (t) => {
  for (const record of [...records, ...ledgerRecords]) {
    const ctx = { ledger: 1, ledgerClosedAt: '2020-01-01T00:00:00Z', txHash: record.txHash, successful: record.status !== 'FAILED' };
    const fromString = eventsFromTransactionMeta(record.resultMetaXdr, ctx);
    const fromObject = eventsFromTransactionMeta(xdr.TransactionMeta.fromXdr(record.resultMetaXdr, 'base64'), ctx);
    const fromBytes = eventsFromTransactionMetaBytes(Buffer.from(record.resultMetaXdr, 'base64'), ctx);
    if (JSON.stringify(fromString) !== JSON.stringify(fromObject) || JSON.stringify(fromString) !== JSON.stringify(fromBytes)) {
      t.fail(`mismatch in ${record.txHash}`);
    }
  }
  t.pass('all three agree on 109 transactions');
});

t.test('meta v3: sorobanMeta.events become operation 0', async (t) => {
  const event = new xdr.ContractEvent({
    ext: xdr.ExtensionPoint.fromXdr(new Uint8Array(4)),
    contractId: null,
    type: xdr.ContractEventType.contract,
    body: xdr.ContractEventBody.v0(new xdr.ContractEventV0({ topics: [xdr.ScVal.scvSymbol('hello')], data: xdr.ScVal.scvU32(7) })),
  });
  const meta = xdr.TransactionMeta.v3(
    new xdr.TransactionMetaV3({
      ext: xdr.ExtensionPoint.fromXdr(new Uint8Array(4)),
      txChangesBefore: [],
      operations: [],
      txChangesAfter: [],
      sorobanMeta: new xdr.SorobanTransactionMeta({
        ext: xdr.SorobanTransactionMetaExt.fromXdr(new Uint8Array(4)),
        events: [event, event],
        returnValue: xdr.ScVal.scvVoid(),
        diagnosticEvents: [],
      }),
    }),
  );
  const ctx = { ledger: 5, ledgerClosedAt: '2024-01-01T00:00:00Z', txHash: 'ab'.repeat(32), successful: false };
  const events = eventsFromTransactionMeta(meta, ctx);
  t.same(events.map((e) => [e.operationIndex, e.eventIndex, e.stage, e.inSuccessfulContractCall]), [
    [0, 0, 'operation', false],
    [0, 1, 'operation', false],
  ]);
  t.same(eventsFromTransactionMetaBytes(meta.toXdr(), ctx), events, 'byte reader agrees on v3');
});
