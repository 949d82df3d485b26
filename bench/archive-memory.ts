import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEventsJsonArray, writeTransactionsJsonArray } from './support/json-archives.ts';
import { replayArchiveInChild } from './support/replay-archive.ts';

const MEGABYTES = Number(process.env.BENCH_ARCHIVE_MB ?? 600);
const HEAP_CAP_MB = 96;

/**
 * Peak RSS of reading a large generated archive (BENCH_ARCHIVE_MB, default 600 MB: past V8's
 * ~512 MB string limit that a whole-file read hits) through the archive source, one JSON array of
 * getEvents items and one `{"records":[…]}` of getTransactions records, each in a process whose
 * heap is capped at 96 MB.
 */
export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'substream-bench-archive-'));
  try {
    for (const [kind, generate] of [['getEvents JSON array', writeEventsJsonArray], ['getTransactions JSON', writeTransactionsJsonArray]] as const) {
      const file = join(dir, 'archive.json');
      await generate(file, MEGABYTES);
      const size = Math.round((await stat(file)).size / 1_000_000);
      const started = performance.now();
      const r = await replayArchiveInChild(file, HEAP_CAP_MB);
      const seconds = (performance.now() - started) / 1000;
      console.log(`${kind}: ${size} MB, ${r.events} events, ${r.transactions} transactions in ${seconds.toFixed(1)} s under a ${HEAP_CAP_MB} MB heap cap; peak RSS ${r.peakRssMb} MB (baseline ${r.baselineRssMb} MB)`);
      await rm(file);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
