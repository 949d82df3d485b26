import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scValToNative, xdr } from '@stellar/stellar-sdk';
import t from 'tap';
import { createTransactionsArchiveSource } from '../../../indexer/sources/transactions-archive.ts';
import type { LedgerBatch, LedgerSource, RawContractEvent } from '../../../indexer/sources/types.ts';

const fixture = (name: string) => new URL(`../../fixtures/stellar/mainnet/${name}`, import.meta.url).pathname;
const symbol = (e: RawContractEvent) => String(scValToNative(xdr.ScVal.fromXdr(e.topics[0] as string, 'base64')));

async function collect(source: LedgerSource, from: number, to?: number): Promise<LedgerBatch[]> {
  const batches: LedgerBatch[] = [];
  for await (const batch of source.read({ from, to })) batches.push(batch);
  return batches;
}

t.test('NDJSON of one ledger: 59 transactions, 3 contract events, failed ones marked', async (t) => {
  const source = createTransactionsArchiveSource({ file: fixture('ledger-30820015.get-transactions.ndjson') });
  t.same(await source.ledgerRange(), { from: 30820015, to: 30820015 });
  t.equal(await source.latestLedger(), 30820015);
  const batches = await collect(source, 30820015, 30820015);
  t.equal(batches.length, 1);
  const [batch] = batches as [LedgerBatch];
  t.equal(batch.transactions, 59);
  const operation = batch.events.filter((e) => e.stage === 'operation');
  t.same(operation.map(symbol).sort(), ['set_authorized', 'set_authorized', 'transfer']);
  t.equal(batch.events.filter((e) => e.stage !== 'operation' && !e.inSuccessfulContractCall).length, 15, '15 failed');
  t.equal(batch.events[0]?.ledgerClosedAt, '2020-07-27T21:12:51Z');

  const wider = await collect(source, 30820010, 30820020);
  t.same(wider.map((b) => [b.fromLedger, b.toLedger, b.transactions]), [[30820010, 30820014, 0], [30820015, 30820015, 59], [30820016, 30820020, 0]], 'no holes');
});

t.test('fixture JSON without ledger numbers: one pseudo-ledger', async (t) => {
  const source = createTransactionsArchiveSource({ file: fixture('rpc-get-transactions.json') });
  t.same(await source.ledgerRange(), { from: 63800108, to: 63800108 }, 'startLedger=… from the source field');
  const [batch, ...rest] = await collect(source, 63800108, 63800108);
  t.equal(rest.length, 0);
  t.equal(batch?.transactions, 50);
  t.equal(batch?.events.filter((e) => e.stage === 'operation').length, 163);
  t.equal(batch?.events.filter((e) => e.stage !== 'operation').length, 50);
  t.ok(batch?.events.every((e) => e.ledger === 63800108));

  const explicit = createTransactionsArchiveSource({ file: fixture('rpc-get-transactions.json'), pseudoLedger: 7 });
  t.same(await explicit.ledgerRange(), { from: 7, to: 7 });
});

t.test('NDJSON across ledgers is grouped per ledger in application order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'archive-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const lines = readFileSync(fixture('ledger-30820015.get-transactions.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const moved = lines.map((r, i) => ({ ...r, ledger: r.ledger + (i % 2) * 2 }));
  const file = join(dir, 'two.ndjson');
  // Ledger order (as getTransactions returns them, and as a stream needs them), application order reversed inside each ledger.
  const ordered = [...moved].reverse().sort((a, b) => a.ledger - b.ledger);
  writeFileSync(file, ordered.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const batches = await collect(createTransactionsArchiveSource({ file }), 30820015);
  t.same(batches.map((b) => [b.fromLedger, b.toLedger, b.transactions]), [[30820015, 30820015, 30], [30820016, 30820016, 0], [30820017, 30820017, 29]]);

  const shuffled = join(dir, 'shuffled.ndjson');
  writeFileSync(shuffled, moved.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await t.rejects(collect(createTransactionsArchiveSource({ file: shuffled }), 30820015), { name: 'SourceUnavailable', message: /not in ledger order: ledger 3082001[57] after 3082001[57]/ }, 'a file out of ledger order is refused, never half-read silently');
});
