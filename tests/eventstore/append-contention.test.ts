import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { WrongExpectedRevision } from '../../eventstore/errors.ts';
import { executePrepared } from '../../eventstore/postgres/prepared.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { EventStore } from '../../eventstore/types.ts';
import { poolOf, type Db } from '../../platform/database.ts';
import { testDatabase } from '../support/database.ts';

const APPENDS_PER_WRITER = 12;
const event = (n: number) => ({ id: randomUUID(), type: 'Contended', data: { n }, metadata: { source: 'command' as const } });

/** Counts the connections the pool opens from now on. */
function countConnects(db: Db): () => number {
  let connects = 0;
  poolOf(db)!.on('connect', () => connects++);
  return () => connects;
}

/** Opens every pooled connection (all busy at once), so later connects can only be replacements. */
async function warmUp(db: Db, connections: number): Promise<void> {
  await Promise.all(Array.from({ length: connections }, () => sql`select pg_sleep(0.05)`.execute(db)));
  if (poolOf(db)!.totalCount !== connections) throw new Error(`warm-up opened ${poolOf(db)!.totalCount} of ${connections} connections`);
}

/** The command-handler loop: read the stream's last revision, append with it, retry on a conflict. */
async function appendWithRetry(store: EventStore, streamId: string, n: number): Promise<number> {
  for (let conflicts = 0; ; conflicts++) {
    const [last] = await store.readStream(streamId, { direction: 'backwards', limit: 1 });
    try {
      await store.append(streamId, [event(n)], { expectedRevision: last ? last.streamRevision : 'no_stream' });
      return conflicts;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision)) throw error;
    }
  }
}

// A lost append race surfaces as a unique violation; it must cost a retry, never the connection.
for (const { writers, streams } of [
  { writers: 16, streams: 4 },
  { writers: 8, streams: 1 },
  { writers: 12, streams: 12 },
]) {
  t.test(`${writers} writers on ${streams} streams: no new connection after warm-up`, async (t) => {
    const { db } = await testDatabase(t, { poolMax: writers });
    const store = createPostgresEventStore(db);
    await warmUp(db, writers);
    const connects = countConnects(db);
    const conflicts = await Promise.all(Array.from({ length: writers }, async (_, w) => {
      let total = 0;
      for (let i = 0; i < APPENDS_PER_WRITER; i++) total += await appendWithRetry(store, `contended-${(w + i) % streams}`, i);
      return total;
    }));
    const retries = conflicts.reduce((a, b) => a + b, 0);
    t.comment(`${retries} WrongExpectedRevision retries`);
    if (streams < writers) t.ok(retries > 0, 'the streams really were contended');
    t.equal(connects(), 0, 'no connection was replaced');
    t.equal(poolOf(db)!.totalCount, writers, 'the pool kept every connection');
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from events`.execute(db);
    t.equal(rows[0]!.n, writers * APPENDS_PER_WRITER, 'every append stored its event once');
  });
}

// The class: any error the server reports (it carries a SQLSTATE) leaves the connection usable.
t.test('a prepared statement that fails with a SQLSTATE keeps its pooled connection', async (t) => {
  const { db } = await testDatabase(t, { poolMax: 1 });
  const pid = async () => (await executePrepared(db, 'substream_test_pid_v1', sql<{ pid: number }>`select pg_backend_pid() as pid`))[0]!.pid;
  const before = await pid();
  const id = randomUUID();
  await sql`insert into events (event_id, stream_id, stream_revision, type, data, metadata)
            values (${id}::uuid, 's', 0, 'T', '{}', '{}')`.execute(db);
  const failing: Array<[string, ReturnType<typeof sql>]> = [
    ['23505', sql`insert into events (event_id, stream_id, stream_revision, type, data, metadata) values (${id}::uuid, 's', 1, 'T', '{}', '{}')`],
    ['22012', sql`select 1 / ${0}::int`],
    ['22P02', sql`select ${'x'}::int`],
    ['P0001', sql`do $$ begin raise exception 'no'; end $$`],
  ];
  for (const [code, statement] of failing) {
    await t.rejects(executePrepared(db, `substream_test_${code}_v1`, statement), { code }, `fails with ${code}`);
    t.equal(await pid(), before, `${code}: the same backend serves the next statement`);
  }
});

t.test('a connection the server ends is still replaced', async (t) => {
  const { db } = await testDatabase(t, { poolMax: 1 });
  const pid = async () => (await executePrepared(db, 'substream_test_pid_v1', sql<{ pid: number }>`select pg_backend_pid() as pid`))[0]!.pid;
  const before = await pid();
  await t.rejects(executePrepared(db, 'substream_test_suicide_v1', sql`select pg_terminate_backend(pg_backend_pid())`));
  t.not(await pid(), before, 'a fresh backend');
});

t.test('an append refused on its expected revision (no race) uses up no log position', async (t) => {
  const { db } = await testDatabase(t, { poolMax: 2 });
  const store = createPostgresEventStore(db);
  let refused = 0;
  for (let i = 0; i < 20; i++) {
    await store.append('s', [event(i)], { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
    for (const wrong of ['no_stream', i + 1, i + 7] as const) {
      await store.append('s', [event(i)], { expectedRevision: wrong }).catch((error: unknown) => {
        if (error instanceof WrongExpectedRevision) refused++;
      });
    }
  }
  t.equal(refused, 60, 'every wrong expectation was refused');
  const { rows } = await sql<{ p: string }>`select global_position::text as p from events order by global_position`.execute(db);
  t.same(rows.map((r) => Number(r.p)), Array.from({ length: 20 }, (_, i) => i + 1), 'positions 1..20, no holes');
});
