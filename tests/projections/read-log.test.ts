import { randomUUID } from 'node:crypto';
import t from 'tap';
import { sql } from 'kysely';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { readAllEvents } from '../../eventstore/postgres/read.ts';
import { START, type LogPosition } from '../../eventstore/types.ts';
import { readLogBatch } from '../../projections/read-log.ts';
import { testDatabase } from '../support/database.ts';

const event = (type: string) => ({ id: randomUUID(), type, data: { n: randomUUID() }, metadata: { source: 'command' as const } });

t.test('reads the same events, in the same order, as readAllEvents', async (t) => {
  const { db } = await testDatabase(t);
  for (let i = 0; i < 20; i++) {
    await appendToStreams(db, [
      { streamId: `a-${i % 3}`, events: [event('A'), event('B')] },
      { streamId: `b-${i % 4}`, events: [event('C'), event('A')] },
    ]);
  }
  const all = await readAllEvents(db, { limit: 1_000 });
  t.equal(all.length, 80);
  for (const limit of [1, 3, 7, 80, 100]) {
    let after: LogPosition = START;
    const seen: typeof all = [];
    let scanned = 0;
    // An empty batch means "nothing visible yet", not "end of log": the horizon may sit briefly
    // below committed events while another transaction is in flight. Page until all are seen.
    const deadline = Date.now() + 20_000;
    while (scanned < 80 && Date.now() < deadline) {
      const batch = await readLogBatch(db, { after, limit, types: ['A', 'C'] });
      seen.push(...batch.events);
      scanned += batch.scanned;
      if (batch.last) after = batch.last;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    t.same(await readLogBatch(db, { after, limit, types: ['A', 'C'] }), { scanned: 0, events: [], last: undefined }, `limit ${limit}: nothing after the end`);
    t.equal(scanned, 80, `limit ${limit}: every event scanned once`);
    t.same(seen, all.filter((e) => e.type === 'A' || e.type === 'C'), `limit ${limit}: same wanted events and positions`);
  }
  const none = await readLogBatch(db, { after: START, limit: 10, types: ['Nope'] });
  t.same([none.scanned, none.events.length, none.last], [10, 0, all[9]!.position], 'the checkpoint moves past unwanted events');
});

t.test('never reads past a transaction still in flight', async (t) => {
  const { db } = await testDatabase(t);
  await appendToStreams(db, [{ streamId: 's-1', events: [event('A')] }]);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let appended!: () => void;
  const inFlight = new Promise<void>((resolve) => (appended = resolve));
  const slow = db.transaction().execute(async (trx) => {
    await appendToStreams(trx, [{ streamId: 's-2', events: [event('A')] }]);
    appended();
    await held;
  });
  await inFlight;
  await appendToStreams(db, [{ streamId: 's-3', events: [event('A')] }]);
  const before = await readLogBatch(db, { after: START, limit: 10, types: ['A'] });
  t.same(before.events.map((e) => e.streamId), ['s-1'], 'the later commit waits behind the open transaction');
  release();
  await slow;
  const after = await readLogBatch(db, { after: before.last!, limit: 10, types: ['A'] });
  t.same(after.events.map((e) => e.streamId), ['s-2', 's-3'], 'then both arrive, in transaction order');
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from events`.execute(db);
  t.equal(rows[0]!.n, 3);
});

t.test('with metadataFor, metadata is fetched only for those types and reading it on the others throws', async (t) => {
  const { db } = await testDatabase(t);
  await appendToStreams(db, [{ streamId: 's-1', events: [event('A'), event('B'), event('C')] }]);
  const batch = await readLogBatch(db, { after: START, limit: 10, types: ['A', 'B'], metadataFor: ['A'] });
  t.same(batch.events.map((e) => e.type), ['A', 'B']);
  t.equal(batch.scanned, 3, 'the unwanted tail is still scanned');
  t.same(batch.events[0]!.metadata, { source: 'command' });
  t.throws(() => batch.events[1]!.metadata, /B .* was read without its metadata: add 'B' to the reader's metadataFor/);
  const none = await readLogBatch(db, { after: START, limit: 10, types: ['A', 'B'], metadataFor: [] });
  t.throws(() => none.events[0]!.metadata, /A .* was read without its metadata/, 'an empty list reads no metadata');
  const all = await readLogBatch(db, { after: START, limit: 10, types: ['A', 'B'] });
  t.same(all.events.map((e) => e.metadata), [{ source: 'command' }, { source: 'command' }], 'absent: every wanted type carries it');
});
