import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { executePrepared } from '../../eventstore/postgres/prepared.ts';
import { testDatabase } from '../support/database.ts';

const prepared = sql<{ name: string }>`select name from pg_prepared_statements order by name`;
const event = () => ({ id: randomUUID(), type: 'Noted', data: { n: 1 }, metadata: { source: 'command' as const } });

t.test('appends and stream reads (one or many streams) are prepared once per pooled connection; transactions run them inline', async (t) => {
  // One pooled connection: pg_prepared_statements below is that connection's.
  const { db } = await testDatabase(t, { poolMax: 1 });
  const store = createPostgresEventStore(db);
  t.same((await prepared.execute(db)).rows, [], 'nothing prepared yet');
  t.equal((await store.append('s-1', [event()], { expectedRevision: 'no_stream' })).revision, 0);
  t.equal((await store.append('s-1', [event(), event()], { expectedRevision: 0 })).revision, 2, 'the same statement again, other arrays');
  await t.rejects(store.append('s-1', [event()], { expectedRevision: 0 }), { name: 'WrongExpectedRevision' });
  t.same((await store.readStream('s-1')).map((e) => e.streamRevision), [0, 1, 2]);
  t.same((await store.readStream('s-1', { direction: 'backwards', limit: 1 })).map((e) => e.streamRevision), [2]);
  t.same((await store.readStreams(['s-1'])).map((events) => events.length), [3]);
  t.same((await store.readStreams(['s-2', 's-1', 's-3'])).map((events) => events.length), [0, 3, 0], 'the same statement text for any number of ids');
  t.same((await prepared.execute(db)).rows.map((r) => r.name), ['substream_append_v1', 'substream_read_stream_backwards_v1', 'substream_read_stream_v1', 'substream_read_streams_v1']);

  const inTransaction = await db.transaction().execute((trx) => executePrepared(trx, 'substream_test_v1', sql<{ n: number }>`select ${41}::int + 1 as n`));
  t.same(inTransaction, [{ n: 42 }]);
  t.notOk((await prepared.execute(db)).rows.some((r) => r.name === 'substream_test_v1'), 'in a transaction it runs through Kysely, unprepared');
});

t.test('readStreams stays an index lookup per id after its plan was cached on a near-empty table', async (t) => {
  const { db } = await testDatabase(t, { poolMax: 1 });
  const store = createPostgresEventStore(db);
  await store.append('creator', [event(), event()]);
  for (let i = 0; i < 8; i++) await store.readStreams(['creator', `missing-${i}`]); // the generic plan is made on the sixth run
  await store.appendMany(Array.from({ length: 10 }, (_, i) => ({ streamId: `bulk-${i}`, events: Array.from({ length: 500 }, event) })));
  const { rows } = await sql.raw<{ 'QUERY PLAN': string }>("explain execute substream_read_streams_v1('{creator,missing}')").execute(db);
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  t.match(plan, /Index Cond: \(stream_id = s\.id\)/, 'each id an index lookup');
  t.notMatch(plan, /Seq Scan on events/);
  t.same((await store.readStreams(['creator', 'bulk-3'])).map((events) => events.length), [2, 500]);
});
