import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import t, { type Test } from 'tap';
import { candidateKeys, createDatalakeSource, DEFAULT_DATALAKE_CONFIG } from '../../../indexer/sources/datalake/index.ts';
import { SourceUnavailable, type LedgerBatch, type LedgerSource } from '../../../indexer/sources/types.ts';

const FIXTURE = new URL('../../fixtures/stellar/datalake/FCD285FF--53312000.xdr.zst', import.meta.url);
const FIXTURE_DIR = new URL('../../fixtures/stellar/datalake/', import.meta.url).pathname;
const LEDGER = 53312000;
const PARTITIONED_KEY = 'FCD285FF--53312000-53375999/FCD285FF--53312000.xdr.zst';

async function collect(source: LedgerSource, from: number, to: number): Promise<LedgerBatch[]> {
  const batches: LedgerBatch[] = [];
  for await (const batch of source.read({ from, to })) batches.push(batch);
  return batches;
}

async function assertFixtureLedger(t: Test, source: LedgerSource) {
  const batches = await collect(source, LEDGER, LEDGER);
  t.equal(batches.length, 1);
  t.same({ ...batches[0], events: batches[0]?.events.length }, { fromLedger: LEDGER, toLedger: LEDGER, transactions: 163, events: 0 });
  t.equal(await source.latestLedger(), LEDGER, 'latestLedger from the newest object');
}

t.test('SEP-54 key scheme', async (t) => {
  t.same(candidateKeys(LEDGER, DEFAULT_DATALAKE_CONFIG).slice(0, 2), [PARTITIONED_KEY, PARTITIONED_KEY.replace('.zst', '.zstd')]);
  t.equal(
    candidateKeys(64_005, { compression: 'zstd', ledgersPerBatch: 64, batchesPerPartition: 10 })[0],
    `${(0xffffffff - 64_000).toString(16).toUpperCase()}--64000-64639/${(0xffffffff - 64_000).toString(16).toUpperCase()}--64000-64063.xdr.zst`,
  );
});

t.test('local directory: the fixture file as is (flat) and in a partitioned lake', async (t) => {
  await assertFixtureLedger(t, createDatalakeSource({ location: FIXTURE_DIR }));

  const dir = mkdtempSync(join(tmpdir(), 'lake-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'FCD285FF--53312000-53375999'));
  copyFileSync(FIXTURE, join(dir, PARTITIONED_KEY.replace('.zst', '.zstd')));
  writeFileSync(join(dir, '.config.json'), JSON.stringify({ networkPassphrase: 'Public Global Stellar Network ; September 2015', version: '1.0', compression: 'zstd', ledgersPerBatch: 1, batchesPerPartition: 64000 }));
  await assertFixtureLedger(t, createDatalakeSource({ location: dir, networkPassphrase: 'Public Global Stellar Network ; September 2015' }));

  const wrongNetwork = createDatalakeSource({ location: dir, networkPassphrase: 'Test SDF Network ; September 2015' });
  t.rejects(collect(wrongNetwork, LEDGER, LEDGER), SourceUnavailable);

  const missing = await collect(createDatalakeSource({ location: dir }), LEDGER, LEDGER + 1).catch((e: unknown) => e);
  t.type(missing, SourceUnavailable);
  t.match((missing as Error).message, /ledger 53312001 is not in the data lake/);
});

t.test('S3 (a local s3rver): credentials and anonymous', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const { default: S3rver } = (await import('s3rver' as string)) as {
    default: new (options: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  };
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'lake' }] });
  const { port } = await server.run();
  t.teardown(() => server.close());
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
  await client.send(new PutObjectCommand({ Bucket: 'lake', Key: `stellar/pubnet/${PARTITIONED_KEY}`, Body: readFileSync(FIXTURE) }));
  client.destroy();

  await assertFixtureLedger(t, createDatalakeSource({ location: 's3://lake/stellar/pubnet', s3: { endpoint, region: 'us-east-1', credentials, forcePathStyle: true } }));
  await assertFixtureLedger(t, createDatalakeSource({ location: 's3://lake/stellar/pubnet/', s3: { endpoint, credentials: 'anonymous', forcePathStyle: true } }));
});
