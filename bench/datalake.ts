/**
 * SEP-54 decode throughput: decompress (zstd) + read the `LedgerCloseMetaBatch` + extract contract
 * events, repeated over the shared fixture (mainnet ledger 53312000, 163 transactions, 372 KB of
 * XDR). Three figures: sequential on the main thread; pipelined as the data lake source runs it
 * (zstd on the libuv pool, 8 objects ahead, reading on the main thread); and the SDK's full
 * object decode for contrast. Target ≥ 1,000 ledgers/s.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { zstdDecompress, zstdDecompressSync } from 'node:zlib';
import { xdr } from '@stellar/stellar-sdk';
import { readLedgerCloseMetaBatch } from '../indexer/sources/datalake/ledger-close-meta.ts';

const FIXTURE = new URL('../tests/fixtures/stellar/datalake/FCD285FF--53312000.xdr.zst', import.meta.url);
const ITERATIONS = Number(process.env.BENCH_DATALAKE_ITERATIONS ?? 2_000);
const WINDOW = 8;
const decompress = promisify(zstdDecompress);
// 128 KiB output chunks: the 16 KiB default costs ~2x the CPU in thread-pool round trips.
const ZSTD_OPTIONS = { chunkSize: 128 * 1024 };

export async function run(): Promise<void> {
  const object = readFileSync(FIXTURE);
  let transactions = 0;
  for (let i = 0; i < 50; i++) readLedgerCloseMetaBatch(zstdDecompressSync(object)); // warm-up

  let cpu = process.cpuUsage();
  let started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    for (const ledger of readLedgerCloseMetaBatch(zstdDecompressSync(object)).ledgers) transactions += ledger.transactions;
  }
  const sequential = ITERATIONS / ((performance.now() - started) / 1000);
  const sequentialCpu = ITERATIONS / cpuSeconds(cpu);

  cpu = process.cpuUsage();
  started = performance.now();
  const queue: Promise<Buffer>[] = [];
  let scheduled = 0;
  for (let done = 0; done < ITERATIONS; done++) {
    while (queue.length < WINDOW && scheduled < ITERATIONS) {
      queue.push(decompress(object, ZSTD_OPTIONS));
      scheduled++;
    }
    for (const ledger of readLedgerCloseMetaBatch(await (queue.shift() as Promise<Buffer>)).ledgers) transactions += ledger.transactions;
  }
  const pipelined = ITERATIONS / ((performance.now() - started) / 1000);
  const pipelinedCpu = ITERATIONS / cpuSeconds(cpu);

  const sdkRounds = 10;
  started = performance.now();
  for (let i = 0; i < sdkRounds; i++) xdr.LedgerCloseMetaBatch.fromXdr(zstdDecompressSync(object));
  const sdk = sdkRounds / ((performance.now() - started) / 1000);

  console.log(`fixture: ${object.length} bytes zstd → ${zstdDecompressSync(object).length} bytes XDR, 163 transactions a ledger`);
  console.log(`sequential (decompress + read + events): ${Math.round(sequential)} ledgers/s wall, ${Math.round(sequentialCpu)} ledgers per CPU-second, ${ITERATIONS} iterations`);
  console.log(`pipelined (source's shape, window ${WINDOW}): ${Math.round(pipelined)} ledgers/s wall (${Math.round(pipelined * 163)} transactions/s), ${Math.round(pipelinedCpu)} ledgers per CPU-second`);
  console.log(`machine: ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (wall figures fall with load; CPU-second figures much less)`);
  console.log(`SDK full decode (xdr.LedgerCloseMetaBatch.fromXdr), for contrast: ${sdk.toFixed(1)} ledgers/s`);
  console.log(`best ${Math.round(Math.max(sequential, pipelined))} ledgers/s ${Math.max(sequential, pipelined) >= 1_000 ? 'meets' : 'misses'} the 1,000 ledgers/s target (checked ${transactions} transactions)`);
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}
