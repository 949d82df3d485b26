import t from 'tap';
import { Networks } from '@stellar/stellar-sdk';
import { readCheckpoint } from '../../indexer/checkpoints.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../indexer/runner.ts';
import type { LedgerBatch, LedgerSource } from '../../indexer/sources/types.ts';
import { testDatabase } from '../support/database.ts';
import { contract, i128, rawEvent, sym } from './events.ts';

const decode = { passphrase: Networks.TESTNET, contracts: parseContracts('*') };

/** A source answering a whole range as ONE batch, as an RPC source does for a 10,000-ledger window. */
function oneBigBatch(events: ReturnType<typeof rawEvent>[], from: number, to: number): LedgerSource {
  return {
    name: 'one-big-batch',
    latestLedger: async () => to,
    async *read(): AsyncIterable<LedgerBatch> {
      yield { fromLedger: from, toLedger: to, transactions: events.length, events };
    },
  };
}

t.test('a large window is written in bounded transactions, each ending at a ledger boundary with its checkpoint', async (t) => {
  const { db } = await testDatabase(t);
  const token = contract('bounded-writes');
  const events = Array.from({ length: 2_000 }, (_, i) => rawEvent(token, [sym('transfer')], i128(i + 1), { ledger: 1_000 + Math.floor(i / 20), eventIndex: i % 20 }));
  const pieces: { from: number; to: number; events: number }[] = [];
  const stats = await runIndexer(db, {
    job: 'bounded', source: oneBigBatch(events, 1_000, 1_099), from: 1_000, to: 1_099, decode,
    maxEventsPerTransaction: 300,
    onProgress: (_stats, batch) => pieces.push({ from: batch.fromLedger, to: batch.toLedger, events: batch.events.length }),
  });
  t.ok(pieces.length >= 7, `${pieces.length} transactions for 2,000 events at most ~300 each`);
  t.ok(pieces.every((p) => p.events <= 300 + 20), 'each holds at most the bound plus the rest of one ledger');
  t.same(pieces.map((p) => p.from), [1_000, ...pieces.slice(0, -1).map((p) => p.to + 1)], 'contiguous ledger ranges, no gap and no overlap');
  t.equal(pieces.at(-1)!.to, 1_099);
  t.equal(pieces.reduce((n, p) => n + p.events, 0), 2_000, 'every event written once');
  t.equal(stats.ledgers, 100);
  t.equal(stats.transactions, 2_000);
  t.match(await readCheckpoint(db, 'bounded'), { lastLedger: 1_099 });
});
