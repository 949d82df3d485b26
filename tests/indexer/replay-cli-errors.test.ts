import t from 'tap';
import { substream } from './cli.ts';

const FIXTURES = new URL('../fixtures/stellar/mainnet/', import.meta.url).pathname;

t.test('dry run, bad arguments (2), a missing archive (3)', async (t) => {
  const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
  // Independent processes: run them side by side.
  const [dry, badRange, badSource, noTo, badContract, missing] = await Promise.all([
    substream(['replay', '--source', 'archive', '--file', `${FIXTURES}rpc-get-transactions.json`, '--dry-run', '--json'], env),
    substream(['replay', '--source', 'rpc', '--from', '10', '--to', '5'], env),
    substream(['replay', '--source', 'nowhere'], env),
    substream(['replay', '--source', 'rpc', '--from', '1'], env),
    substream(['replay', '--source', 'archive', '--file', 'x', '--contract', 'GBAD'], env),
    substream(['replay', '--source', 'archive', '--file', '/nonexistent.ndjson', '--json'], env),
  ]);
  t.equal(dry.code, 0, dry.stderr);
  t.match(JSON.parse(dry.stdout), { events: 163, appended: 0 });
  t.equal(badRange.code, 2);
  t.match(badRange.stderr, /--to \(5\) is before --from \(10\)/);
  t.equal(badSource.code, 2);
  t.match(badSource.stderr, /--source must be one of/);
  t.equal(noTo.code, 2);
  t.equal(badContract.code, 2);
  t.match(badContract.stderr, /not a contract id/);
  t.equal(missing.code, 3);
  t.match(missing.stderr, /source unavailable/);
});

t.test('replay --source datalake reads the SEP-54 fixture (163 transactions, 0 contract events)', async (t) => {
  const lake = new URL('../fixtures/stellar/datalake', import.meta.url).pathname;
  const run = await substream(['replay', '--source', 'datalake', '--datalake', lake, '--from', '53312000', '--to', '53312000', '--network', 'mainnet', '--json', '--dry-run'], {});
  t.equal(run.code, 0, run.stderr);
  t.same(JSON.parse(run.stdout), { ledgers: 1, transactions: 163, events: 0, appended: 0, duplicates: 0, malformed: 0, byTopic: {} });
});
