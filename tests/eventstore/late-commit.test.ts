import t from 'tap';
import fc from 'fast-check';
import { sql } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { AppendResult, EventStore, LogPosition, RecordedEvent } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import pg from 'pg';
import { TEST_SERVER_URL, testDatabase } from '../support/database.ts';
import { newEvent } from './contract.ts';

function before(a: LogPosition, b: LogPosition): boolean {
  return a.commit < b.commit || (a.commit === b.commit && a.prepare < b.prepare);
}

/** Appends inside a transaction that stays open until `release()`; `rollback` aborts it instead. */
function holdOpen(db: Db, streamId: string, options: { takeXidFirst?: boolean; rollback?: boolean } = {}) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let appendNow!: () => void;
  const appendSignal = new Promise<void>((resolve) => (appendNow = resolve));
  let ready!: (value: unknown) => void;
  const readyPromise = new Promise((resolve) => (ready = resolve));
  const event = newEvent('Held');
  let result: AppendResult | undefined;
  const done = db.transaction().execute(async (trx) => {
    if (options.takeXidFirst) {
      await sql`select pg_current_xact_id()`.execute(trx);
      ready(undefined);
      await appendSignal;
    }
    [result] = await appendToStreams(trx, [{ streamId, events: [event] }]);
    if (!options.takeXidFirst) ready(undefined);
    await released;
    if (options.rollback) throw new Error('rolled back on purpose');
  }).catch((error: Error) => {
    if (!options.rollback) throw error;
  });
  return { event, done, ready: readyPromise, appendNow, release, result: () => result };
}

/** Reads everything after `after` until `ids` have all appeared (or 20 s pass). */
async function readUntil(store: EventStore, after: LogPosition, ids: string[]): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const page = await store.readAll({ after, limit: 100 });
    seen.push(...page);
    if (page.length > 0) after = page[page.length - 1]!.position;
    else if (ids.every((id) => seen.some((e) => e.id === id))) return seen;
    else await sleep(20);
  }
  return seen;
}

async function checkpointNow(store: EventStore): Promise<LogPosition> {
  const marker = newEvent('Marker');
  await store.append(`marker-${marker.id}`, [marker]);
  const seen = await readUntil(store, { commit: 0n, prepare: 0n }, [marker.id]);
  return seen[seen.length - 1]!.position;
}

t.test('late commits', async (t) => {
  const { db } = await testDatabase(t, { poolMax: 16 });
  const store = createPostgresEventStore(db);

  t.test('a reader does not pass an in-flight append, and returns both once it commits', async (t) => {
    const checkpoint = await checkpointNow(store);
    const a = holdOpen(db, 'late-a');
    await a.ready;
    const b = await store.append('late-b', [newEvent('Committed')]);
    t.ok(before(a.result()!.position!, b.position!), "A's (commit, prepare) is below B's");
    for (let i = 0; i < 5; i++) {
      t.same(await store.readAll({ after: checkpoint }), [], `poll ${i}: nothing past the in-flight append`);
      await sleep(30);
    }
    a.release();
    await a.done;
    const seen = await readUntil(store, checkpoint, [a.event.id]);
    t.same(seen.map((e) => e.type), ['Held', 'Committed'], 'A, then B, nothing skipped');
  });

  t.test('a transaction that took its xid first orders first, even with a higher global position', async (t) => {
    const checkpoint = await checkpointNow(store);
    const a = holdOpen(db, 'late-xid-a', { takeXidFirst: true });
    await a.ready;
    const b = await store.append('late-xid-b', [newEvent('Committed')]);
    t.same(await store.readAll({ after: checkpoint }), [], 'B is held back while A is in flight');
    a.appendNow();
    while (!a.result()) await sleep(5);
    t.ok(a.result()!.position!.prepare > b.position!.prepare, 'A has the higher global position');
    t.ok(before(a.result()!.position!, b.position!), 'but the lower (commit, prepare)');
    t.same(await store.readAll({ after: checkpoint }), [], 'still nothing while A is open');
    a.release();
    await a.done;
    const seen = await readUntil(store, checkpoint, [a.event.id]);
    t.same(seen.map((e) => e.type), ['Held', 'Committed'], 'returned in (commit, prepare) order');
  });

  t.test('a rolled-back append releases the readers and is never returned', async (t) => {
    const checkpoint = await checkpointNow(store);
    const a = holdOpen(db, 'late-rollback', { rollback: true });
    await a.ready;
    const b = newEvent('Committed');
    await store.append('late-rollback-b', [b]);
    t.same(await store.readAll({ after: checkpoint }), []);
    a.release();
    await a.done;
    const seen = await readUntil(store, checkpoint, [b.id]);
    t.same(seen.map((e) => e.type), ['Committed']);
  });

  t.test('a transaction open in another database does not hold readers back', async (t) => {
    const checkpoint = await checkpointNow(store);
    const other = new pg.Client({ connectionString: TEST_SERVER_URL });
    await other.connect();
    t.teardown(() => other.end());
    await other.query('begin');
    await other.query('select pg_current_xact_id()');
    const event = newEvent('Unblocked');
    await store.append('other-db', [event]);
    const seen = await readUntil(store, checkpoint, [event.id]);
    t.same(seen.map((e) => e.id), [event.id], 'visible while the other transaction is still open');
    await other.query('rollback');
  });

  t.test('tailing readers never move behind a position they returned and miss nothing', async (t) => {
    const writePlan = fc.array(
      fc.record({ size: fc.integer({ min: 1, max: 5 }), holdMs: fc.integer({ min: 0, max: 25 }), stream: fc.integer({ min: 0, max: 3 }) }),
      { minLength: 5, maxLength: 15 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(writePlan, { minLength: 8, maxLength: 8 }), fc.integer({ min: 1, max: 40 }), async (writers, pageSize) => {
        const start = await checkpointNow(store);
        const acknowledged = new Set<string>();
        let writing = true;
        const readers = Array.from({ length: 3 }, async () => {
          const seen: RecordedEvent[] = [];
          let after = start;
          for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
            const page = await store.readAll({ after, limit: pageSize });
            for (const event of page) {
              if (!before(after, event.position)) throw new Error(`position ${event.position.commit}/${event.position.prepare} is behind ${after.commit}/${after.prepare}`);
              after = event.position;
            }
            seen.push(...page);
            if (page.length === 0) {
              if (!writing && seen.length >= acknowledged.size) break;
              await sleep(5);
            }
          }
          return seen;
        });
        await Promise.all(writers.map(async (plan, w) => {
          for (const step of plan) {
            const events = Array.from({ length: step.size }, () => newEvent('Tail'));
            await db.transaction().execute(async (trx) => {
              await appendToStreams(trx, [{ streamId: `tail-${w}-${step.stream}`, events }]);
              if (step.holdMs > 0) await sleep(step.holdMs);
            });
            for (const e of events) acknowledged.add(e.id);
          }
        }));
        writing = false;
        for (const seen of await Promise.all(readers)) {
          const ids = seen.map((e) => e.id);
          if (new Set(ids).size !== ids.length) return false;
          if (ids.length !== acknowledged.size || !ids.every((id) => acknowledged.has(id))) return false;
        }
        return true;
      }),
      { numRuns: 4 },
    );
    t.pass('every reader saw exactly the full log, in order');
  });
});
