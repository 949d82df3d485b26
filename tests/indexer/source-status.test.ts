import { Networks } from '@stellar/stellar-sdk';
import t from 'tap';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { listCheckpoints } from '../../indexer/checkpoints.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { SourceUnreachable, type LedgerSource } from '../../indexer/sources/types.ts';
import { readDatabaseSnapshot } from '../../platform/metrics-database.ts';
import { testDatabase } from '../support/database.ts';
import { eventually } from '../support/projection-runs.ts';
import { memorySource } from './memory-source.ts';

// issue #23: follow mode waits out an outage of its source, and says so while it lasts: in the
// job's status (`substream indexer status`) and in the metrics, cleared by the next batch.
t.test('a source outage in follow mode is reported in the job status and metrics, then cleared', async (t) => {
  const { db } = await testDatabase(t);
  const tip = { latest: 12 };
  const inner = memorySource([], tip);
  let down = false;
  const source: LedgerSource = {
    ...inner,
    async latestLedger() {
      if (down) throw new SourceUnreachable('rpc: connect ECONNREFUSED 127.0.0.1:8000');
      return inner.latestLedger();
    },
  };
  const controller = new AbortController();
  const decode = { passphrase: Networks.TESTNET, contracts: parseContracts('') };
  const running = runIndexer(db, { job: 'live', source, from: 10, decode, signal: controller.signal, pollMs: 20, maxPollMs: 50 });
  t.teardown(() => controller.abort());
  t.ok(await eventually(async () => (await listCheckpoints(db))[0]?.lastLedger === 12, 10_000), 'caught up to the tip');

  down = true;
  const reported = await eventually(async () => (await listCheckpoints(db))[0]?.sourceError !== null, 10_000);
  t.ok(reported, 'the outage is in the job status');
  const [job] = await listCheckpoints(db);
  t.match(job, { job: 'live', lastLedger: 12, sourceError: /ECONNREFUSED/ });
  t.ok(job!.sourceFailingSince instanceof Date, 'with the time it started');
  const snapshot = await readDatabaseSnapshot(db);
  t.ok((snapshot.indexer[0]?.sourceFailingSeconds ?? -1) >= 0, 'and in the metrics snapshot');

  down = false;
  tip.latest = 15;
  t.ok(await eventually(async () => (await listCheckpoints(db))[0]?.lastLedger === 15, 10_000), 'resumed after the outage');
  t.match((await listCheckpoints(db))[0], { sourceError: null, sourceFailingSince: null }, 'and the outage is cleared');
  t.equal((await readDatabaseSnapshot(db)).indexer[0]?.sourceFailingSeconds, null);
  controller.abort();
  await running;
});
