/**
 * Reads a whole archive through its source in a process of its own and prints
 * `{"events","transactions","baselineRssMb","peakRssMb"}`: `node bench/support/replay-archive-child.ts <file>`.
 * Peak RSS is the process's maximum resident set (getrusage), so it counts every transient allocation.
 */
import { openSource } from '../../indexer/sources/open.ts';

const file = process.argv[2]!;
const mb = (kb: number) => Math.round(kb / 1024);
const baseline = process.resourceUsage().maxRSS;
const { source, fileRange } = await openSource('archive', { file, contractIds: ['*'], passphrase: 'Test SDF Network ; September 2015' });
const range = await fileRange!();
let events = 0;
let transactions = 0;
for await (const batch of source.read(range)) {
  events += batch.events.length;
  transactions += batch.transactions;
}
process.stdout.write(`${JSON.stringify({ events, transactions, from: range.from, to: range.to, baselineRssMb: mb(baseline), peakRssMb: mb(process.resourceUsage().maxRSS) })}\n`);
