import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Networks } from '@stellar/stellar-sdk';
import { BENCH_SUBSTREAM, BENCH_TOKENS, generateArchive } from '../../bench/generate-archive.ts';
import { readAllEvents } from '../../eventstore/postgres/read.ts';
import type { LogPosition } from '../../eventstore/types.ts';
import { replayJob } from '../../indexer/checkpoints.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { createEventsArchiveSource } from '../../indexer/sources/events-archive.ts';
import { testDatabase } from '../support/database.ts';

const contracts = parseContracts(`${BENCH_SUBSTREAM}=substream-v1,${BENCH_TOKENS.map((c) => `${c}=sep41`).join(',')}`);
const decode = { passphrase: Networks.TESTNET, contracts };

t.test('the runner announces each committed batch with its last position, and a replay that stores nothing announces nothing', async (t) => {
  const { db } = await testDatabase(t);
  const file = join(await mkdtemp(join(tmpdir(), 'substream-announce-')), 'events.ndjson');
  const range = await generateArchive({ file, events: 600, eventsPerLedger: 40 });
  const job = replayJob('archive', range.from, range.to);
  const source = createEventsArchiveSource({ file, batchEvents: 200 });
  const heard: LogPosition[] = [];
  const onAppended = (position: LogPosition) => void heard.push(position);
  await runIndexer(db, { job, source, from: range.from, to: range.to, decode, onAppended });

  t.ok(heard.length >= 2, `one announcement per batch (${heard.length})`);
  const log = await readAllEvents(db, { limit: 10_000 });
  t.same(heard.at(-1), log.at(-1)!.position, 'the last announcement is the last event of the log');
  const positions = heard.map((p) => `${p.commit}-${p.prepare}`);
  t.equal(new Set(positions).size, positions.length, 'each batch announced once');

  heard.length = 0;
  await runIndexer(db, { job: replayJob('archive-again', range.from, range.to), source, from: range.from, to: range.to, decode, onAppended });
  t.same(heard, [], 'already stored: nothing new to announce');
});
