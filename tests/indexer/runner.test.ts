import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Networks } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import { generateArchive, BENCH_SUBSTREAM, BENCH_TOKENS } from '../../bench/generate-archive.ts';
import { gaps, LIVE_JOB, readCheckpoint, replayJob } from '../../indexer/checkpoints.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { createEventsArchiveSource } from '../../indexer/sources/events-archive.ts';
import { formatEventId } from '../../indexer/sources/rpc-event-id.ts';
import { createTransactionsArchiveSource } from '../../indexer/sources/transactions-archive.ts';
import type { RawContractEvent } from '../../indexer/sources/types.ts';
import { testDatabase } from '../support/database.ts';
import { contract, i128, rawEvent, sym } from './events.ts';
import { memorySource } from './memory-source.ts';

const FIXTURES = new URL('../fixtures/stellar/mainnet/', import.meta.url).pathname;
const contracts = parseContracts(`${BENCH_SUBSTREAM}=substream-v1,${BENCH_TOKENS.map((c) => `${c}=sep41`).join(',')}`);
const decode = { passphrase: Networks.TESTNET, contracts };

async function eventIds(db: Parameters<typeof readCheckpoint>[0]): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select event_id::text as id from events order by event_id`.execute(db);
  return rows.map((r) => r.id);
}

t.test('replay appends raw and domain facts, checkpoints, and is idempotent', async (t) => {
  const { db } = await testDatabase(t);
  const dir = await mkdtemp(join(tmpdir(), 'substream-runner-'));
  const file = join(dir, 'events.ndjson');
  const range = await generateArchive({ file, events: 3_000, eventsPerLedger: 40 });
  const job = replayJob('archive', range.from, range.to);
  const source = createEventsArchiveSource({ file, batchEvents: 500 });
  const first = await runIndexer(db, { job, source, from: range.from, to: range.to, decode });
  t.equal(first.events, 3_000);
  t.equal(first.appended, 3_300, '3,000 raw facts + 300 SubscriptionBilled facts');
  t.equal(first.ledgers, range.to - range.from + 1);
  t.same(first.byTopic, { transfer: 2_700, subscription_billed: 300 });
  t.equal(first.malformed, 0);
  t.match(await readCheckpoint(db, job), { lastLedger: range.to });
  const facts = await db.selectFrom('events').select(({ fn }) => fn.countAll<string>().as('n')).where('type', '=', 'SubscriptionBilled').executeTakeFirstOrThrow();
  t.equal(Number(facts.n), 300);

  const again = await runIndexer(db, { job, source, from: range.from, to: range.to, decode });
  t.equal(again.appended, 0, 'same job, same range: nothing to do');
  const other = await runIndexer(db, { job: 'replay:archive:again', source, from: range.from, to: range.to, decode });
  t.equal(other.appended, 0, 'another job over the same range appends nothing');
  t.equal(other.duplicates, 3_300);
  t.same(await gaps(db, job), []);
});

t.test('the same transactions through getTransactions meta and through getEvents give the same ids', async (t) => {
  const { db } = await testDatabase(t);
  const all = { passphrase: Networks.PUBLIC, contracts: parseContracts('*') };
  const transactions = createTransactionsArchiveSource({ file: join(FIXTURES, 'rpc-get-transactions.json') });
  const { from, to } = await transactions.ledgerRange();
  const viaMeta = await runIndexer(db, { job: 'replay:transactions:fixture', source: transactions, from, to, decode: all });
  t.equal(viaMeta.events, 163);
  t.equal(viaMeta.appended, 163);
  t.same(viaMeta.byTopic, { transfer: 73, mint: 90 });

  const events: RawContractEvent[] = [];
  for await (const batch of transactions.read({ from, to })) events.push(...batch.events.filter((e) => e.stage === 'operation'));
  const order = new Map([...new Set(events.map((e) => e.txHash))].map((hash, i) => [hash, i + 1]));
  const lines = events.map((e) => JSON.stringify({
    type: 'contract', ledger: e.ledger, ledgerClosedAt: e.ledgerClosedAt, contractId: e.contractId,
    id: formatEventId(e.ledger, order.get(e.txHash)!, e.operationIndex, e.eventIndex), txHash: e.txHash,
    topic: e.topics, value: e.value, inSuccessfulContractCall: e.inSuccessfulContractCall,
  }));
  const dir = await mkdtemp(join(tmpdir(), 'substream-two-sources-'));
  const file = join(dir, 'events.ndjson');
  await writeFile(file, `${lines.join('\n')}\n`);
  const before = await eventIds(db);
  const viaEvents = await runIndexer(db, { job: 'replay:archive:fixture', source: createEventsArchiveSource({ file }), from, to, decode: all });
  t.equal(viaEvents.events, 163);
  t.equal(viaEvents.appended, 0, 'every getEvents id was already stored');
  t.equal(viaEvents.duplicates, 163);
  t.same(await eventIds(db), before);
});

t.test('live and replay jobs keep their own checkpoints; gaps are reported', async (t) => {
  const { db } = await testDatabase(t);
  const c = contract('gaps');
  const events = Array.from({ length: 30 }, (_, i) => rawEvent(c, [sym('ping')], i128(i), { ledger: 100 + i }));
  const tip = { latest: 110 };
  await runIndexer(db, { job: LIVE_JOB, source: memorySource(events, tip), from: 100, to: 110, decode: { ...decode, contracts: parseContracts('*') } });
  await runIndexer(db, { job: replayJob('memory', 120, 129), source: memorySource(events, { latest: 129 }), from: 120, to: 129, decode: { ...decode, contracts: parseContracts('*') } });
  t.match(await readCheckpoint(db, LIVE_JOB), { lastLedger: 110 }, 'the replay did not move the live job');
  t.match(await readCheckpoint(db, 'replay:memory:120-129'), { lastLedger: 129 });
  t.same(await gaps(db), [{ from: 111, to: 119 }], 'all jobs together');
  t.same(await gaps(db, LIVE_JOB), []);
  const { rows } = await sql<{ from_ledger: string; to_ledger: string }>`select from_ledger, to_ledger from indexer_ranges where job = 'live'`.execute(db);
  t.same(rows, [{ from_ledger: '100', to_ledger: '110' }], 'contiguous batches merge into one range');
});

t.test('follow mode tails the tip without skipping a ledger', async (t) => {
  const { db } = await testDatabase(t);
  const c = contract('follow');
  const events = Array.from({ length: 40 }, (_, i) => rawEvent(c, [sym('tick')], i128(i), { ledger: 500 + i }));
  const tip = { latest: 505 };
  const abort = new AbortController();
  const seen: number[] = [];
  const run = runIndexer(db, {
    job: LIVE_JOB,
    source: memorySource(events, tip),
    from: 500,
    decode: { ...decode, contracts: parseContracts('*') },
    signal: abort.signal,
    pollMs: 5,
    maxPollMs: 20,
    onProgress: (s, batch) => {
      seen.push(batch.fromLedger, batch.toLedger);
      if (s.lastLedger! >= 539) abort.abort();
      else tip.latest = Math.min(539, tip.latest + 4);
    },
  });
  const stats = await run;
  t.equal(stats.events, 40);
  t.equal(stats.appended, 40);
  t.match(await readCheckpoint(db, LIVE_JOB), { lastLedger: 539 });
  for (let i = 2; i < seen.length; i += 2) t.equal(seen[i], seen[i - 1]! + 1, `batch at ${seen[i]} follows ${seen[i - 1]}`);
  t.same(await gaps(db, LIVE_JOB), []);
});

t.test('malformed events are counted, logged once per kind, and the run goes on', async (t) => {
  const { db } = await testDatabase(t);
  const c = contract('malformed');
  const sub = contract('malformed-substream');
  const events = [
    rawEvent(c, [sym('ok')], i128(1), { ledger: 10 }),
    { ...rawEvent(c, [sym('bad')], i128(1), { ledger: 11 }), value: '!!!' },
    { ...rawEvent(c, [sym('bad')], i128(1), { ledger: 11 }), topics: ['AAAA'] },
    rawEvent(sub, [sym('nonsense')], i128(1), { ledger: 12 }),
  ];
  const warnings: unknown[] = [];
  const logger = { warn: (o: unknown) => warnings.push(o), info: () => undefined } as never;
  const stats = await runIndexer(db, { job: 'j', source: memorySource(events, { latest: 12 }), from: 10, to: 12, logger, decode: { ...decode, contracts: parseContracts(`${sub}=substream-v1,*`) } });
  t.equal(stats.events, 4);
  t.equal(stats.malformed, 3);
  t.same(stats.malformedByReason, { xdr: 2, unknown: 1 });
  t.equal(stats.appended, 2, 'the good event and the raw fact of the unknown one');
  t.equal(warnings.length, 2, 'one warning per kind and reason');
  t.match(stats.malformedSamples[0], { key: `${Networks.TESTNET}:${events[1]!.txHash}:0:0` });
});

t.test('follow mode retries a failing source and still skips nothing', async (t) => {
  const { db } = await testDatabase(t);
  const c = contract('flaky');
  const events = Array.from({ length: 12 }, (_, i) => rawEvent(c, [sym('tick')], i128(i), { ledger: 700 + i }));
  const inner = memorySource(events, { latest: 711 });
  let failures = 0;
  const abort = new AbortController();
  const source = {
    ...inner,
    async *read(range: { from: number; to?: number }) {
      for await (const batch of inner.read(range)) {
        if (batch.fromLedger === 706 && failures++ === 0) throw new Error('connection reset');
        yield batch;
      }
    },
  };
  const warnings: unknown[] = [];
  const logger = { warn: (o: unknown) => warnings.push(o), info: () => undefined } as never;
  const stats = await runIndexer(db, {
    job: LIVE_JOB, source, from: 700, decode: { ...decode, contracts: parseContracts('*') }, signal: abort.signal, pollMs: 5, logger,
    onProgress: (s) => s.lastLedger === 711 && abort.abort(),
  });
  t.equal(failures, 2, 'failed once, then read again');
  t.equal(warnings.length, 1);
  t.equal(stats.appended, 12);
  t.match(await readCheckpoint(db, LIVE_JOB), { lastLedger: 711 });
  t.same(await gaps(db, LIVE_JOB), []);
});
