import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { generateArchive } from '../generate-archive.ts';

const FIXTURE = new URL('../../tests/fixtures/stellar/mainnet/ledger-30820015.get-transactions.ndjson', import.meta.url);

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/**
 * Writes a getEvents archive of about `megabytes` MB as ONE JSON array on one line (`[item,item,…]`),
 * in ledger order: what used to be read into one string.
 *
 * @example const { events } = await writeEventsJsonArray('/tmp/events.json', 600);
 */
export async function writeEventsJsonArray(file: string, megabytes: number): Promise<{ events: number; from: number; to: number }> {
  const ndjson = `${file}.ndjson`;
  const range = await generateArchive({ file: ndjson, events: Math.ceil(megabytes * 1_000_000 / 560), eventsPerLedger: 100 });
  const out = createWriteStream(file);
  await write(out, '[');
  let first = true;
  for await (const line of createInterface({ input: createReadStream(ndjson), crlfDelay: Infinity })) {
    if (line === '') continue;
    await write(out, first ? line : `,${line}`);
    first = false;
  }
  await write(out, ']');
  out.end();
  await once(out, 'finish');
  await rm(ndjson);
  return range;
}

/**
 * Writes a getTransactions archive of about `megabytes` MB as one JSON object `{"records":[…]}`:
 * the 59 real mainnet records of ledger 30820015 repeated, each repetition one ledger later.
 *
 * @example const { transactions } = await writeTransactionsJsonArray('/tmp/txs.json', 600);
 */
export async function writeTransactionsJsonArray(file: string, megabytes: number): Promise<{ transactions: number; from: number; to: number }> {
  const text = await readFile(FIXTURE, 'utf8');
  const records = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { ledger: number });
  const repetitions = Math.max(1, Math.ceil((megabytes * 1_000_000) / text.length));
  const out = createWriteStream(file);
  await write(out, '{"records":[');
  for (let r = 0; r < repetitions; r++) {
    const ledger = records[0]!.ledger + r;
    await write(out, (r === 0 ? '' : ',') + records.map((record) => JSON.stringify({ ...record, ledger })).join(','));
  }
  await write(out, ']}');
  out.end();
  await once(out, 'finish');
  return { transactions: repetitions * records.length, from: records[0]!.ledger, to: records[0]!.ledger + repetitions - 1 };
}
