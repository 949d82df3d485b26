/**
 * SEP-54 decode throughput: decompress (zstd) + read the `LedgerCloseMetaBatch` + extract contract
 * events, repeated over the shared fixture (mainnet ledger 53312000, 163 transactions, 372 KB of
 * XDR), on the main thread as the data lake source runs it; and the SDK's full object decode for
 * contrast. Target ≥ 1,000 ledgers/s.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { zstdDecompressSync } from 'node:zlib';
import { xdr } from '@stellar/stellar-sdk';
import { readLedgerCloseMetaBatch } from '../indexer/sources/datalake/ledger-close-meta.ts';

const FIXTURE = new URL('../tests/fixtures/stellar/datalake/FCD285FF--53312000.xdr.zst', import.meta.url);
const ITERATIONS = Number(process.env.BENCH_DATALAKE_ITERATIONS ?? 2_000);

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


  const sdkRounds = 10;
  started = performance.now();
  for (let i = 0; i < sdkRounds; i++) xdr.LedgerCloseMetaBatch.fromXdr(zstdDecompressSync(object));
  const sdk = sdkRounds / ((performance.now() - started) / 1000);

  console.log(`fixture: ${object.length} bytes zstd → ${zstdDecompressSync(object).length} bytes XDR, 163 transactions a ledger`);
  console.log(`decompress + read + events (the source's shape): ${Math.round(sequential)} ledgers/s wall (${Math.round(sequential * 163)} transactions/s), ${Math.round(sequentialCpu)} ledgers per CPU-second, ${ITERATIONS} iterations`);
  console.log(`machine: ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (wall figures fall with load; CPU-second figures much less)`);
  console.log(`SDK full decode (xdr.LedgerCloseMetaBatch.fromXdr), for contrast: ${sdk.toFixed(1)} ledgers/s`);
  console.log(`best ${Math.round(sequential)} ledgers/s ${sequential >= 1_000 ? 'meets' : 'misses'} the 1,000 ledgers/s target (checked ${transactions} transactions)`);
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}
