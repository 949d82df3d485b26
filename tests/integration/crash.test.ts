import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { loadRelayCheckpoint } from '../../integration/checkpoint.ts';
import { KAFKA_RELAY } from '../../integration/relay.ts';
import { testDatabase } from '../support/database.ts';
import { appendMixedLog } from '../support/relay-events.ts';

// The relay in a child process, SIGKILLed mid-backlog and started again. Its "broker" is an
// NDJSON file (a test double of Kafka, which cannot run here) written before the checkpoint commits.
const child = new URL('../support/relay-child.ts', import.meta.url).pathname;
const BATCH = 20;

function runChild(env: Record<string, string>): { exited: Promise<number | null>; kill(): void } {
  const proc = spawn(process.execPath, [child], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  return { exited: new Promise((done) => proc.once('exit', (code) => done(code))), kill: () => proc.kill('SIGKILL') };
}

const lines = (file: string): { id: string; key: string; revision: number }[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

t.test('a relay killed mid-backlog resumes from its checkpoint: nothing lost, at most the batch in flight twice', async (t) => {
  const { db, url } = await testDatabase(t);
  const { ids } = await appendMixedLog(createPostgresEventStore(db), 40);
  const out = join(mkdtempSync(join(tmpdir(), 'relay-crash-')), 'broker.ndjson');

  const first = runChild({ DATABASE_URL: url, OUT: out, BATCH_SIZE: String(BATCH), SLOW_MS: '40' });
  const until = Date.now() + 20_000;
  while (lines(out).length < ids.length / 3 && Date.now() < until) await sleep(5);
  first.kill();
  t.equal(await first.exited, null, 'killed, not finished');
  const killedAt = await loadRelayCheckpoint(db, KAFKA_RELAY);
  t.ok(killedAt && killedAt.eventsPublished > 0 && killedAt.eventsPublished < ids.length, `stopped mid-backlog (${killedAt?.eventsPublished} of ${ids.length} checkpointed)`);

  const second = runChild({ DATABASE_URL: url, OUT: out, BATCH_SIZE: String(BATCH), SLOW_MS: '0' });
  t.equal(await second.exited, 0, 'the restart runs to the end');

  const sent = lines(out);
  const firstSeen = [...new Set(sent.map((l) => l.id))];
  t.same(firstSeen, ids, 'every published event reached the broker, first copies in log order');
  t.ok(sent.length - ids.length <= BATCH, `duplicates only from the unacknowledged batch (${sent.length - ids.length})`);
  const end = await loadRelayCheckpoint(db, KAFKA_RELAY);
  t.equal(end?.eventsPublished, ids.length, 'the checkpoint counts each event once');
  for (const key of new Set(sent.map((l) => l.key))) {
    const revisions = [...new Map(sent.filter((l) => l.key === key).map((l) => [l.id, l.revision])).values()];
    t.same(revisions, [0, 1, 2, 3], `${key.slice(0, 24)}…: revisions in order`);
  }
});
