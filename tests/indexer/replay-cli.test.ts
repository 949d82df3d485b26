import t from 'tap';
import { sql } from 'kysely';
import { testDatabase } from '../support/database.ts';
import { substream } from './cli.ts';

const FIXTURES = new URL('../fixtures/stellar/mainnet/', import.meta.url).pathname;

t.test('replay --json over the shared mainnet fixtures', async (t) => {
  const { db, url } = await testDatabase(t);
  const env = { DATABASE_URL: url, INDEXER_CONTRACTS: '*' };
  const tx = await substream(['replay', '--source', 'archive', '--file', `${FIXTURES}rpc-get-transactions.json`, '--network', 'mainnet', '--json'], env);
  t.equal(tx.code, 0, tx.stderr);
  t.same(JSON.parse(tx.stdout), { ledgers: 1, transactions: 50, events: 163, appended: 163, duplicates: 0, malformed: 0, byTopic: { transfer: 73, mint: 90 } });

  const ledger = await substream(['replay', '--source', 'transactions', '--file', `${FIXTURES}ledger-30820015.get-transactions.ndjson`, '--from', '30820015', '--to', '30820015', '--network', 'mainnet', '--json'], env);
  t.equal(ledger.code, 0, ledger.stderr);
  t.same(JSON.parse(ledger.stdout), { ledgers: 1, transactions: 59, events: 3, appended: 3, duplicates: 0, malformed: 0, byTopic: { transfer: 1, set_authorized: 2 } });

  const again = await substream(['replay', '--source', 'archive', '--file', `${FIXTURES}rpc-get-transactions.json`, '--network', 'mainnet', '--json'], env);
  t.match(JSON.parse(again.stdout), { ledgers: 0, events: 0, appended: 0 }, 'the job is done: nothing to read');

  const fees = await substream(['replay', '--source', 'archive', '--file', `${FIXTURES}ledger-30820015.get-transactions.ndjson`, '--network', 'mainnet', '--include-fee-events', '--json'], env);
  t.match(JSON.parse(fees.stdout), { events: 3, appended: 59, duplicates: 3 }, 'fee events only with --include-fee-events; another job re-sees the 3 contract events');

  const { rows } = await sql<{ n: string }>`select count(*) as n from events where type = 'ContractEventObserved'`.execute(db);
  t.equal(Number(rows[0]!.n), 163 + 3 + 59);

  const gaps = await substream(['indexer', 'gaps', '--json'], env);
  t.equal(gaps.code, 0, gaps.stderr);
  t.match(JSON.parse(gaps.stdout), { gaps: [{ from: 30820016, to: 63800107 }] });
});
