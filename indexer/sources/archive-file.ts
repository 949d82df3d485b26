import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pickJsonValues, type JsonPath } from './json-stream.ts';
import { SourceUnavailable } from './types.ts';

async function readHead(file: string, bytes: number): Promise<string> {
  const fh = await open(file, 'r').catch((error: Error) => {
    throw new SourceUnavailable(`cannot read archive ${file}: ${error.message}`);
  });
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.toString('utf8', 0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** NDJSON when the first line is a whole JSON value and more follows it; otherwise one JSON document. */
async function isNdjson(file: string): Promise<boolean> {
  const head = await readHead(file, 1 << 16);
  const first = head.split('\n')[0]!;
  try {
    JSON.parse(first);
    return head.includes('\n') && head.slice(first.length).trim() !== '';
  } catch {
    return false;
  }
}

/**
 * The values of an archive file, streamed: each line of NDJSON (path `[lineIndex]`, as if the lines
 * were the elements of one array), or each value of a JSON document whose path `pick` accepts
 * (indexer/sources/json-stream.ts). Never the whole file in memory: a JSON array of any size is
 * read one element at a time.
 *
 * @example for await (const { value } of archiveValues(file, (p) => p.length === 1)) … // NDJSON lines or top-level array elements
 */
export async function* archiveValues(file: string, pick: (path: JsonPath) => boolean): AsyncIterable<{ path: JsonPath; value: unknown }> {
  const input = () => createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  if (await isNdjson(file)) {
    let n = 0;
    for await (const line of createInterface({ input: input(), crlfDelay: Infinity })) {
      n++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new SourceUnavailable(`${file}: line ${n} is not JSON`);
      }
      yield { path: [n - 1], value };
    }
    return;
  }
  try {
    yield* pickJsonValues(input(), pick);
  } catch (error) {
    if (error instanceof SyntaxError) throw new SourceUnavailable(`${file} is not valid JSON: ${error.message}`);
    throw error;
  }
}
