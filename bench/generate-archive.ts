import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { nativeToScVal, StrKey, xdr } from '@stellar/stellar-sdk';

export interface GenerateOptions {
  file: string;
  events: number;
  firstLedger?: number;
  eventsPerLedger?: number;
  /** Every n-th event is a SubStream `subscription_billed` (with a domain fact); the rest SEP-41 transfers. */
  substreamEvery?: number;
}

const seed = (label: string) => createHash('sha256').update(`substream-bench:${label}`).digest();
/** The deterministic contracts of a generated archive: SEP-41 tokens and one SubStream contract. */
export const BENCH_TOKENS = Array.from({ length: 4 }, (_, i) => StrKey.encodeContract(seed(`token-${i}`)));
export const BENCH_SUBSTREAM = StrKey.encodeContract(seed('substream'));
const accounts = Array.from({ length: 64 }, (_, i) => StrKey.encodeEd25519PublicKey(seed(`account-${i}`)));

const b64 = (v: xdr.ScVal) => v.toXDR('base64');
const addressTopic = new Map(accounts.map((a) => [a, b64(nativeToScVal(a, { type: 'address' }))]));
const TRANSFER = b64(nativeToScVal('transfer', { type: 'symbol' }));
const BILLED = b64(nativeToScVal('subscription_billed', { type: 'symbol' }));

/** i128 ScVal XDR written directly: discriminant 10, hi, lo (big-endian). */
function i128(amount: bigint): string {
  const buf = Buffer.alloc(20);
  buf.writeUInt32BE(10, 0);
  buf.writeBigInt64BE(amount >> 64n, 4);
  buf.writeBigUInt64BE(amount & 0xffffffffffffffffn, 12);
  return buf.toString('base64');
}

function billedValue(at: number, n: number): string {
  return b64(
    nativeToScVal(
      { billed_at: BigInt(at), merchant_reference_id: `inv-${n % 97}`, receipt_hash: seed(`receipt-${n % 97}`) },
      { type: { billed_at: ['symbol', 'u64'], merchant_reference_id: ['symbol', 'string'], receipt_hash: ['symbol', 'bytes'] } },
    ),
  );
}
const billedValues = Array.from({ length: 97 }, (_, i) => billedValue(1_780_000_000 + i, i));

function toid(ledger: number, txOrder: number, op: number): string {
  return ((BigInt(ledger) << 32n) | (BigInt(txOrder) << 12n) | BigInt(op)).toString().padStart(19, '0');
}

/**
 * Writes a deterministic NDJSON archive of getEvents items with real XDR: two events per
 * transaction (operation 0), `eventsPerLedger` a ledger. Same options, same bytes.
 *
 * @example await generateArchive({ file: '/tmp/events.ndjson', events: 500_000 });
 */
export async function generateArchive(options: GenerateOptions): Promise<{ from: number; to: number; events: number }> {
  const first = options.firstLedger ?? 50_000_000;
  const perLedger = options.eventsPerLedger ?? 100;
  const every = options.substreamEvery ?? 10;
  const out = createWriteStream(options.file);
  let chunk = '';
  let ledger = first;
  for (let n = 0; n < options.events; n++) {
    ledger = first + Math.floor(n / perLedger);
    const inLedger = n % perLedger;
    const txOrder = Math.floor(inLedger / 2) + 1;
    const eventIndex = inLedger % 2;
    const txHash = createHash('sha256').update(`tx:${ledger}:${txOrder}`).digest('hex');
    const closedAt = new Date((1_780_000_000 + (ledger - first) * 5) * 1000).toISOString().replace('.000Z', 'Z');
    const a = accounts[n % 64]!;
    const b = accounts[(n * 7 + 3) % 64]!;
    const substream = n % every === every - 1;
    const item = {
      type: 'contract',
      ledger,
      ledgerClosedAt: closedAt,
      contractId: substream ? BENCH_SUBSTREAM : BENCH_TOKENS[n % BENCH_TOKENS.length],
      id: `${toid(ledger, txOrder, 0)}-${String(eventIndex).padStart(10, '0')}`,
      operationIndex: 0,
      transactionIndex: txOrder,
      txHash,
      inSuccessfulContractCall: true,
      topic: substream ? [BILLED, addressTopic.get(a), addressTopic.get(b), i128(BigInt(1000 + (n % 5000)))] : [TRANSFER, addressTopic.get(a), addressTopic.get(b)],
      value: substream ? billedValues[n % 97] : i128(BigInt(n) * 1_000_000n + 1n),
    };
    chunk += `${JSON.stringify(item)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return { from: first, to: ledger, events: options.events };
}

if (import.meta.main) {
  const [file = 'events.ndjson', count = '500000'] = process.argv.slice(2);
  const started = performance.now();
  const range = await generateArchive({ file, events: Number(count) });
  console.log(`${file}: ${range.events} events, ledgers ${range.from}-${range.to}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`INDEXER_CONTRACTS=${BENCH_SUBSTREAM}=substream-v1,${BENCH_TOKENS.map((t) => `${t}=sep41`).join(',')}`);
}
