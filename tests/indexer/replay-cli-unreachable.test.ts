import t from 'tap';
import { substream } from './cli.ts';

t.test('an unreachable RPC exits 3 after its retries', async (t) => {
  const run = await substream(['replay', '--source', 'rpc', '--rpc-url', 'http://127.0.0.1:1', '--from', '1', '--to', '2', '--dry-run'], {});
  t.equal(run.code, 3, run.stderr);
  t.match(run.stderr, /source unavailable/);
});
