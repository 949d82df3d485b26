import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { executePrepared } from '../../eventstore/postgres/prepared.ts';
import { testDatabase } from '../support/database.ts';

const prepared = sql<{ name: string }>`select name from pg_prepared_statements order by name`;

t.test('appends and stream reads are prepared once per pooled connection; transactions run them inline', async (t) => {
  // One pooled connection: pg_prepared_statements below is that connection's.
  const { db } = await testDatabase(t, { poolMax: 1 });
  const store = createPostgresEventStore(db);
  const event = () => ({ id: randomUUID(), type: 'Noted', data: { n: 1 }, metadata: { source: 'command' as const } });
  t.same((await prepared.execute(db)).rows, [], 'nothing prepared yet');
  t.equal((await store.append('s-1', [event()], { expectedRevision: 'no_stream' })).revision, 0);
  t.equal((await store.append('s-1', [event(), event()], { expectedRevision: 0 })).revision, 2, 'the same statement again, other arrays');
  await t.rejects(store.append('s-1', [event()], { expectedRevision: 0 }), { name: 'WrongExpectedRevision' });
  t.same((await store.readStream('s-1')).map((e) => e.streamRevision), [0, 1, 2]);
  t.same((await store.readStream('s-1', { direction: 'backwards', limit: 1 })).map((e) => e.streamRevision), [2]);
  t.same((await prepared.execute(db)).rows.map((r) => r.name), ['substream_append_v1', 'substream_read_stream_backwards_v1', 'substream_read_stream_v1']);

  const inTransaction = await db.transaction().execute((trx) => executePrepared(trx, 'substream_test_v1', sql<{ n: number }>`select ${41}::int + 1 as n`));
  t.same(inTransaction, [{ n: 42 }]);
  t.notOk((await prepared.execute(db)).rows.some((r) => r.name === 'substream_test_v1'), 'in a transaction it runs through Kysely, unprepared');
});
