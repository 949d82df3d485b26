import { readFileSync } from 'node:fs';
import t from 'tap';
import { Networks } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import { LIVE_JOB, readCheckpoint } from '../../indexer/checkpoints.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import type { TransactionRecord } from '../../indexer/meta/transaction-events.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { createRpcEventsSource } from '../../indexer/sources/rpc-events.ts';
import { createRpcTransactionsSource } from '../../indexer/sources/rpc-transactions.ts';
import { testDatabase } from '../support/database.ts';
import { substream } from './cli.ts';
import { spreadRecords, startFakeRpc } from './sources/fake-rpc.ts';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/stellar/mainnet/rpc-get-transactions.json', import.meta.url), 'utf8')) as { records: TransactionRecord[] };
const FIRST = 2_000_000;
const records = spreadRecords(fixture.records, FIRST);
const LAST = records.at(-1)!.ledger;
const decode = { passphrase: Networks.PUBLIC, contracts: parseContracts('*') };
const fast = { baseDelayMs: 1, pollIntervalMs: 1 };

t.test('getEvents, getTransactions and the live `index` command store the same events once', async (t) => {
  const { db, url } = await testDatabase(t);
  const rpc = await startFakeRpc({ records, oldestLedger: FIRST - 10, latestLedger: LAST + 20 });
  t.teardown(() => rpc.close());

  const viaEvents = await runIndexer(db, { job: 'replay:rpc:a', source: createRpcEventsSource({ rpcUrl: rpc.url, contractIds: [], ...fast }), from: FIRST, to: LAST, decode });
  t.match(viaEvents, { events: 163, appended: 163, duplicates: 0, byTopic: { transfer: 73, mint: 90 } });
  const ids = await sql<{ id: string }>`select event_id::text as id from events order by 1`.execute(db);

  const viaTransactions = await runIndexer(db, { job: 'replay:transactions:a', source: createRpcTransactionsSource({ rpcUrl: rpc.url, ...fast }), from: FIRST, to: LAST, decode });
  t.match(viaTransactions, { events: 163, appended: 0, duplicates: 163, transactions: 50 }, 'getTransactions meta gives the same identities');
  t.same((await sql<{ id: string }>`select event_id::text as id from events order by 1`.execute(db)).rows, ids.rows);

  const live = await substream(['index', '--from', String(FIRST)], { DATABASE_URL: url, STELLAR_RPC_URL: rpc.url, STELLAR_NETWORK: 'mainnet', INDEXER_CONTRACTS: '*' });
  t.equal(live.code, 0, live.stderr);
  t.match(await readCheckpoint(db, LIVE_JOB), { lastLedger: LAST + 20 }, 'the live job indexed to the tip');
  t.match(await readCheckpoint(db, 'replay:rpc:a'), { lastLedger: LAST }, 'and left the replay jobs alone');
  t.same((await sql<{ id: string }>`select event_id::text as id from events order by 1`.execute(db)).rows, ids.rows, 'nothing new appended');
});
