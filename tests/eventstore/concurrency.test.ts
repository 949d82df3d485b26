import t from 'tap';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { WrongExpectedRevision } from '../../eventstore/errors.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { EventStore, LogPosition, RecordedEvent } from '../../eventstore/types.ts';
import { testDatabase } from '../support/database.ts';

// 12,800 contended commits: about a minute on an idle 2-core machine, more on a busy one.
t.setTimeout(600_000);

const WRITERS = Number(process.env.WRITERS ?? 64);
const APPENDS_PER_WRITER = Number(process.env.APPENDS ?? 200);
const STREAMS = Array.from({ length: 8 }, (_, i) => `contended-${i}`);

function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  return a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
}

/** The command-handler loop: load the stream's last revision, append with it, retry on a conflict. */
async function appendWithRetry(store: EventStore, streamId: string, data: { writer: number; seq: number }) {
  const id = randomUUID();
  for (let conflicts = 0; ; conflicts++) {
    const [last] = await store.readStream(streamId, { direction: 'backwards', limit: 1 });
    const expectedRevision = last ? last.streamRevision : 'no_stream';
    try {
      const result = await store.append(streamId, [{ id, type: 'Contended', data, metadata: { source: 'command' } }], { expectedRevision });
      return { id, result, conflicts };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(conflicts + 1, 8)));
    }
  }
}

/**
 * Pages the global log until `count` events have appeared. An empty page means "nothing more yet":
 * the log holds events back while a transaction in this database is in flight.
 */
async function readWholeLog(store: EventStore, count: number): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let after: LogPosition | undefined;
  for (const deadline = Date.now() + 30_000; all.length < count && Date.now() < deadline; ) {
    const page = await store.readAll(after ? { after, limit: 1_000 } : { limit: 1_000 });
    if (page.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    else after = page[page.length - 1]!.position;
    all.push(...page);
  }
  return all.concat(after ? await store.readAll({ after, limit: 1_000 }) : []);
}

t.test(`${WRITERS} writers × ${APPENDS_PER_WRITER} appends over ${STREAMS.length} contended streams`, async (t) => {
  const { db, name } = await testDatabase(t, { poolMax: 32 });
  // Contention, not fsync, is under test: commits that skip the WAL flush wait are just as visible
  // and ordered, and the run no longer hangs on the disk of a shared machine.
  await sql.raw(`alter database ${name} set synchronous_commit = off`).execute(db);
  const store = createPostgresEventStore(db);
  const appended = new Map<string, { streamId: string; position: LogPosition; revision: number }>();
  let conflicts = 0;
  let notAppended = 0;

  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      for (let seq = 0; seq < APPENDS_PER_WRITER; seq++) {
        const streamId = STREAMS[(writer + seq) % STREAMS.length]!;
        const { id, result, conflicts: c } = await appendWithRetry(store, streamId, { writer, seq });
        conflicts += c;
        if (result.appended !== 1) notAppended++;
        appended.set(id, { streamId, position: result.position!, revision: result.revision });
      }
    }),
  );
  t.comment(`${conflicts} WrongExpectedRevision retries`);
  t.ok(conflicts > 0, 'the streams really were contended');
  t.equal(notAppended, 0, 'every append stored its event');
  t.equal(appended.size, WRITERS * APPENDS_PER_WRITER);

  const log = await readWholeLog(store, WRITERS * APPENDS_PER_WRITER);
  t.equal(log.length, WRITERS * APPENDS_PER_WRITER, 'every event is in the global log');
  t.equal(new Set(log.map((e) => e.id)).size, log.length, 'no event appears twice');
  t.ok(log.every((e) => appended.has(e.id)), 'every logged event was acknowledged to a writer');

  let ordered = true;
  let matches = true;
  for (let i = 0; i < log.length; i++) {
    const event = log[i]!;
    if (i > 0 && comparePositions(log[i - 1]!.position, event.position) >= 0) ordered = false;
    const ack = appended.get(event.id)!;
    if (ack.streamId !== event.streamId || ack.revision !== event.streamRevision || comparePositions(ack.position, event.position) !== 0) {
      matches = false;
    }
  }
  t.ok(ordered, 'readAll returns strictly increasing (commit, prepare) positions');
  t.ok(matches, 'each acknowledged stream, revision and position is what the log holds');

  for (const streamId of STREAMS) {
    const inGlobalOrder = log.filter((e) => e.streamId === streamId).map((e) => e.streamRevision);
    t.same(inGlobalOrder, inGlobalOrder.map((_, i) => i), `${streamId}: revisions contiguous from 0, in global order`);
    const stream = await store.readStream(streamId);
    t.same(stream.map((e) => e.id), log.filter((e) => e.streamId === streamId).map((e) => e.id), `${streamId}: readStream agrees with readAll`);
    const perWriter = new Map<number, number>();
    let writerOrder = true;
    for (const { data } of stream) {
      const { writer, seq } = data as { writer: number; seq: number };
      if ((perWriter.get(writer) ?? -1) >= seq) writerOrder = false;
      perWriter.set(writer, seq);
    }
    t.ok(writerOrder, `${streamId}: each writer's events keep the order it appended them in`);
  }
});
