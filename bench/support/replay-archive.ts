import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const CHILD = new URL('./replay-archive-child.ts', import.meta.url).pathname;

export interface ArchiveReplay {
  events: number;
  transactions: number;
  baselineRssMb: number;
  peakRssMb: number;
}

/**
 * Reads a whole archive through `substream replay`'s archive source in a fresh Node process whose
 * V8 heap is capped at `heapCapMb`, and returns what it read and its peak RSS (getrusage).
 *
 * @example const { peakRssMb } = await replayArchiveInChild('/tmp/events.json', 96);
 */
export async function replayArchiveInChild(file: string, heapCapMb: number): Promise<ArchiveReplay> {
  const { stdout } = await promisify(execFile)(process.execPath, [`--max-old-space-size=${heapCapMb}`, CHILD, file], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as ArchiveReplay;
}
