import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { loadRelayCheckpoint } from '../../integration/checkpoint.ts';
import { KAFKA_RELAY } from '../../integration/relay.ts';
import { testDatabase } from '../support/database.ts';
import { appendMixedLog } from '../support/relay-events.ts';

// `substream relay` in a child process against a broker address where nothing listens (no Kafka
// runs here): it must record the failed send, keep its checkpoint, and stop cleanly on SIGTERM.
const cli = new URL('../../bin/substream.ts', import.meta.url).pathname;

t.test('relay with an unreachable broker keeps its checkpoint, records why, and stops on SIGTERM', async (t) => {
  const { db, url } = await testDatabase(t);
  await appendMixedLog(createPostgresEventStore(db), 2);
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));

  const child = spawn(process.execPath, [cli, 'relay', '--poll-interval', '50'], {
    env: { ...process.env, DATABASE_URL: url, KAFKA_BROKERS: `127.0.0.1:${port}`, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));

  const until = Date.now() + 60_000;
  let checkpoint = await loadRelayCheckpoint(db, KAFKA_RELAY);
  while (!checkpoint?.lastError && Date.now() < until && child.exitCode === null) {
    await sleep(200);
    checkpoint = await loadRelayCheckpoint(db, KAFKA_RELAY);
  }
  t.match(checkpoint?.lastError, /ECONNREFUSED|Connection error/, 'the failed send is recorded on the checkpoint');
  t.same(checkpoint?.position, { commit: 0n, prepare: 0n }, 'and the checkpoint did not move');
  t.match(output, /relay batch not published; retrying it/, 'the retry is logged');

  const stoppedAt = Date.now();
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exits 0');
  t.ok(Date.now() - stoppedAt < 10_000, `within the 10 s grace (${Date.now() - stoppedAt} ms)`);
});
