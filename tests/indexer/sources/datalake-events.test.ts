import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { xdr } from '@stellar/stellar-sdk';
import t from 'tap';
import { eventsFromTransactionRecord, type TransactionRecord } from '../../../indexer/meta/transaction-events.ts';
import { candidateKeys, createDatalakeSource } from '../../../indexer/sources/datalake/index.ts';
import type { LedgerBatch, RawContractEvent } from '../../../indexer/sources/types.ts';

/**
 * A two-ledger SEP-54 batch built with the SDK from real data: ledger 53312000 as recorded
 * (LedgerCloseMeta v1, meta v3), then a LedgerCloseMeta v2 ledger whose transactions are the 50
 * mainnet transactions of rpc-get-transactions.json (meta v4, CAP-67 events).
 */
const lake = zstdDecompressSync(readFileSync(new URL('../../fixtures/stellar/datalake/FCD285FF--53312000.xdr.zst', import.meta.url)));
const { records } = JSON.parse(
  readFileSync(new URL('../../fixtures/stellar/mainnet/rpc-get-transactions.json', import.meta.url), 'utf8'),
) as { records: TransactionRecord[] };
const key = (e: RawContractEvent) => `${e.txHash}/${e.operationIndex}/${e.eventIndex}/${e.stage}`;

function buildBatch(): Uint8Array {
  const original = xdr.LedgerCloseMetaBatch.fromXdr(lake);
  const first = original.ledgerCloseMetas[0];
  if (first?.type !== 'v1') throw new Error('fixture is LedgerCloseMeta v1');
  const v1 = first.v1;
  const header = new xdr.LedgerHeader({ ...v1.ledgerHeader.header, ledgerSeq: 53312001 });
  const v2 = new xdr.LedgerCloseMetaV2({
    ext: v1.ext,
    ledgerHeader: new xdr.LedgerHeaderHistoryEntry({ ...v1.ledgerHeader, header }),
    txSet: v1.txSet,
    txProcessing: records.map(
      (record) =>
        new xdr.TransactionResultMetaV1({
          ext: xdr.ExtensionPoint.fromXdr(new Uint8Array(4)),
          result: new xdr.TransactionResultPair({
            transactionHash: xdr.Hash.fromXdr(Buffer.from(record.txHash, 'hex')),
            result: xdr.TransactionResult.fromXdr(record.resultXdr as string, 'base64'),
          }),
          feeProcessing: [],
          txApplyProcessing: xdr.TransactionMeta.fromXdr(record.resultMetaXdr, 'base64'),
          postTxApplyFeeProcessing: [],
        }),
    ),
    upgradesProcessing: [],
    scpInfo: [],
    totalByteSizeOfLiveSorobanState: v1.totalByteSizeOfLiveSorobanState,
    evictedKeys: [],
  });
  return new xdr.LedgerCloseMetaBatch({
    startSequence: 53312000,
    endSequence: 53312001,
    ledgerCloseMetas: [first, xdr.LedgerCloseMeta.v2(v2)],
  }).toXdr();
}

t.test('a two-ledger batch (LCM v1 + v2, meta v3 + v4): transactions and events with the getTransactions identity', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lake-events-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = { networkPassphrase: 'Public Global Stellar Network ; September 2015', version: '1.0', compression: 'zstd', ledgersPerBatch: 2, batchesPerPartition: 8 };
  writeFileSync(join(dir, '.config.json'), JSON.stringify(config));
  const objectKey = candidateKeys(53312000, config)[0] as string;
  t.match(objectKey, /^[0-9A-F]{8}--53312000-53312015\/FCD285FF--53312000-53312001\.xdr\.zst$/);
  mkdirSync(join(dir, objectKey.split('/')[0] as string));
  writeFileSync(join(dir, objectKey), zstdCompressSync(buildBatch()));

  const source = createDatalakeSource({ location: dir, prefetch: 2 });
  const batches: LedgerBatch[] = [];
  for await (const batch of source.read({ from: 53312000, to: 53312001 })) batches.push(batch);
  t.same(batches.map((b) => [b.fromLedger, b.toLedger, b.transactions]), [[53312000, 53312000, 163], [53312001, 53312001, 50]]);
  t.equal(batches[0]?.events.length, 0);
  const events = batches[1]?.events ?? [];
  t.equal(events.filter((e) => e.stage === 'operation').length, 163);
  t.equal(events.filter((e) => e.stage !== 'operation').length, 50);
  t.ok(events.every((e) => e.ledger === 53312001 && e.ledgerClosedAt === '2024-09-02T10:50:19Z'));

  const viaMeta = records.flatMap((r) => eventsFromTransactionRecord(r, { ledger: 53312001, ledgerClosedAt: '2024-09-02T10:50:19Z' }));
  t.same(events.map(key), viaMeta.map(key), 'same identities in the same order as getTransactions meta');
  t.same(events, viaMeta, 'same events, field for field');

  const second: LedgerBatch[] = [];
  for await (const batch of source.read({ from: 53312001, to: 53312001 })) second.push(batch);
  t.same(second.map((b) => b.fromLedger), [53312001], 'a range starting inside a batch');
});
