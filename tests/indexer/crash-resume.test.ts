import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { sql } from 'kysely';
import { BENCH_SUBSTREAM, BENCH_TOKENS, generateArchive } from '../../bench/generate-archive.ts';
import type { Db } from '../../platform/database.ts';
import { testDatabase } from '../support/database.ts';
import { substream } from './cli.ts';

const CONTRACTS = `${BENCH_SUBSTREAM}=substream-v1,${BENCH_TOKENS.map((c) => `${c}=sep41`).join(',')}`;
const EVENTS = 12_000;
const EXPECTED = EVENTS + EVENTS / 10;

async function count(db: Db): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from events`.execute(db);
  return Number(rows[0]!.n);
}

/** Everything that makes the store what it is, in one digest. */
async function digest(db: Db): Promise<{ events: number; digest: string }> {
  const { rows } = await sql<{ n: string; d: string }>`
    select count(*) as n, md5(string_agg(event_id::text || stream_id || stream_revision || type || data::text || metadata::text, ',' order by event_id)) as d
    from events`.execute(db);
  return { events: Number(rows[0]!.n), digest: rows[0]!.d };
}

t.test('SIGKILL mid-replay, then restart: exactly the events of an uninterrupted run', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'substream-crash-'));
  const file = join(dir, 'events.ndjson');
  await generateArchive({ file, events: EVENTS, eventsPerLedger: 50 });
  const args = ['replay', '--source', 'archive', '--file', file, '--json'];

  const killed = await testDatabase(t);
  const env = { DATABASE_URL: killed.url, INDEXER_CONTRACTS: CONTRACTS };
  for (const threshold of [1, EXPECTED / 2]) {
    const result = await substream(args, env, (child) => {
      void (async () => {
        while (child.exitCode === null && (await count(killed.db)) < threshold) await sleep(20);
        child.kill('SIGKILL');
      })();
    });
    const stored = await count(killed.db);
    t.equal(result.signal, 'SIGKILL', `killed with ${stored} events stored`);
    t.ok(stored < EXPECTED, 'the run was interrupted before the end');
  }
  const resumed = await substream(args, env);
  t.equal(resumed.code, 0, resumed.stderr);
  t.ok(JSON.parse(resumed.stdout).ledgers < EVENTS / 50, 'the restart resumed from the checkpoint');

  const clean = await testDatabase(t);
  const uninterrupted = await substream(args, { DATABASE_URL: clean.url, INDEXER_CONTRACTS: CONTRACTS });
  t.equal(uninterrupted.code, 0, uninterrupted.stderr);
  t.match(JSON.parse(uninterrupted.stdout), { events: EVENTS, appended: EXPECTED, malformed: 0 });

  const a = await digest(killed.db);
  const b = await digest(clean.db);
  t.equal(a.events, EXPECTED);
  t.same(a, b, 'same ids, streams, revisions, data and metadata');
});
