import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeEventsJsonArray, writeTransactionsJsonArray } from '../../../bench/support/json-archives.ts';
import { replayArchiveInChild } from '../../../bench/support/replay-archive.ts';

t.setTimeout(600_000);

/** Archive size in MB: ARCHIVE_MEMORY_MB (e.g. 700, past V8's ~512 MB string limit), default 64. */
const MEGABYTES = Number(process.env.ARCHIVE_MEMORY_MB ?? 64);
/**
 * The reader runs under this V8 heap cap (--max-old-space-size): an archive read into one string and
 * parsed whole needs several times its size and dies; a stream needs one element (or ledger) at a time.
 */
const HEAP_CAP_MB = 96;
/** What reading may add to the process's peak RSS (garbage the collector has not returned yet included). */
const FLAT_MB = 250;

for (const [kind, generate] of [
  ['getEvents items as one JSON array', writeEventsJsonArray],
  ['getTransactions records as one JSON object', writeTransactionsJsonArray],
] as const) {
  t.test(`${kind}, ${MEGABYTES} MB: read as a stream, memory stays flat`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'substream-archive-memory-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'archive.json');
    const written = await generate(file, MEGABYTES);
    const size = Math.round((await stat(file)).size / 1_000_000);
    const result = await replayArchiveInChild(file, HEAP_CAP_MB).catch((error: Error & { stderr?: string }) => {
      t.fail(`the reader died under a ${HEAP_CAP_MB} MB heap cap: ${(error.stderr ?? error.message).split('\n').find((l) => /heap|memory/i.test(l)) ?? error.message}`);
      return null;
    });
    if (!result) return;
    t.comment(`${kind}: ${size} MB file read under a ${HEAP_CAP_MB} MB heap cap, peak RSS ${result.peakRssMb} MB (baseline ${result.baselineRssMb} MB)`);
    if ('events' in written) t.equal(result.events, written.events, 'every event is read');
    else t.equal(result.transactions, written.transactions, 'every transaction is read');
    t.ok(result.peakRssMb - result.baselineRssMb < FLAT_MB, `reading adds ${result.peakRssMb - result.baselineRssMb} MB to peak RSS (bound ${FLAT_MB} MB) for a ${size} MB file`);
  });
}
