import t from 'tap';
import fc from 'fast-check';
import { sql } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { comparePositions } from '../../eventstore/log-position.ts';
import type { LogPosition, RecordedEvent } from '../../eventstore/types.ts';
import { createDb, type Db } from '../../platform/database.ts';
import { testDatabase } from '../support/database.ts';
import { actorOn, emptyTally, laneProgram, runLane, SHARED_STREAMS, type Actor, type LaneStreams } from '../support/interleaving.ts';

// ORDER_INTERLEAVINGS: how many lane programs to run (default 1,000: ~36 s on this shared 2-core machine at load 4, ~75 s at load 18); ORDER_SEED replays a run.
const INTERLEAVINGS = Number(process.env.ORDER_INTERLEAVINGS ?? 1_000);
const LANES = 8;
const ACTORS = 3;
const seed = process.env.ORDER_SEED ? Number(process.env.ORDER_SEED) : Date.now() % 2 ** 31;
t.setTimeout(Math.max(180_000, INTERLEAVINGS * 150));

function laneStreams(run: number, lane: number): LaneStreams {
  const prefix = `r${run}-l${lane}`;
  const shared = Array.from({ length: SHARED_STREAMS }, (_, k) => `${prefix}-s${k}`);
  return { shared, reactions: shared.map((s) => `${s}-reactions`), own: Array.from({ length: ACTORS }, (_, a) => `${prefix}-contract-${a}`) };
}

/** Which streams' log order (readAll's order: log xid, then position) is not 0, 1, 2, … */
function misordered(rows: { stream_id: string; stream_revision: string }[]): string[] {
  const next = new Map<string, number>();
  const bad = new Set<string>();
  for (const { stream_id: stream, stream_revision: revision } of rows) {
    const expected = next.get(stream) ?? 0;
    if (Number(revision) !== expected) bad.add(stream);
    next.set(stream, expected + 1);
  }
  return [...bad];
}

/** A reader tailing the whole log through `readAll` while the interleavings run, until it has `total` events (or 30 s after `done`). */
function tail(db: Db, signal: { done: number; total: number }) {
  const store = createPostgresEventStore(db);
  return (async () => {
    const seen: RecordedEvent[] = [];
    let after: LogPosition | undefined;
    while (!signal.done || Date.now() - signal.done < 30_000) {
      const page = await store.readAll(after ? { after, limit: 1_000 } : { limit: 1_000 });
      for (const event of page) {
        if (after && comparePositions(after, event.position) >= 0) throw new Error(`readAll went back to ${event.position.commit}/${event.position.prepare}`);
        after = event.position;
      }
      seen.push(...page);
      if (page.length === 0) {
        if (signal.done && seen.length >= signal.total) break;
        await sleep(10);
      }
    }
    return seen;
  })();
}

t.test(`for every stream, log order is revision order (${INTERLEAVINGS} interleavings, seed ${seed})`, async (t) => {
  const { db, name, url } = await testDatabase(t, { poolMax: 4 });
  // Order, not fsync, is under test; a deadlock between two actors of a lane is broken in 10 ms, not 1 s.
  await sql.raw(`alter database ${name} set synchronous_commit = off`).execute(db);
  await sql.raw(`alter database ${name} set deadlock_timeout = '10ms'`).execute(db);
  const actors: Actor[] = Array.from({ length: LANES * ACTORS }, (_, i) => {
    const applicationName = `order-actor-${i}`;
    return actorOn(createDb({ url, max: 1, applicationName }), applicationName);
  });
  t.teardown(() => Promise.all(actors.map((a) => a.db.destroy())));
  const tally = emptyTally();
  const signal = { done: 0, total: 0 };
  const reader = tail(db, signal);
  let run = 0;
  let failure = '';
  let failed: unknown;

  try {
    await fc.assert(
      fc.asyncProperty(fc.array(laneProgram(ACTORS), { minLength: LANES, maxLength: LANES }), async (programs) => {
        run++;
        const streams = programs.map((_, lane) => laneStreams(run, lane));
        const committed = await Promise.all(programs.map((program, lane) =>
          runLane(db, actors.slice(lane * ACTORS, (lane + 1) * ACTORS), program, streams[lane]!, tally)));
        const ids = streams.flatMap((s) => [...s.shared, ...s.reactions, ...s.own]);
        const { rows } = await sql<{ stream_id: string; stream_revision: string; event_id: string }>`
          select stream_id, stream_revision::text, event_id::text from events where stream_id = any(${ids}::text[])
          order by transaction_id, global_position`.execute(db);
        const bad = misordered(rows);
        const expected = new Set(committed.flatMap((c) => [...c]));
        const stored = new Set(rows.map((r) => r.event_id));
        const lost = [...expected].filter((id) => !stored.has(id)).length;
        const extra = rows.filter((r) => !expected.has(r.event_id)).length;
        if (bad.length > 0 || lost > 0 || extra > 0) {
          failure = `run ${run}: misordered ${bad.join(', ') || 'none'}; ${lost} committed events missing, ${extra} not committed`;
          return false;
        }
        return true;
      }),
      { numRuns: Math.ceil(INTERLEAVINGS / LANES), seed, endOnFailure: true },
    );
  } catch (error) {
    failed = error;
  }
  signal.total = Number((await sql<{ n: string }>`select count(*)::text as n from events`.execute(db)).rows[0]!.n);
  signal.done = Date.now();
  const log = await reader;
  if (failed) {
    t.fail(`${failure || (failed as Error).message.split('\n')[0]} (replay: ORDER_SEED=${seed} ORDER_INTERLEAVINGS=${run * LANES})`, { cause: failed });
    return;
  }
  t.pass(`every interleaving kept each stream in revision order and lost nothing`);
  t.comment(`${run * LANES} interleavings: ${tally.committed} sessions committed, ${tally.rolledBack} rolled back, `
    + `${tally.waited} statements waited on another transaction (savepoint retry), ${tally.lifted} appends by an older `
    + `transaction after a newer one, ${tally.reactions} reactions, ${tally.conflicts} revision conflicts, ${tally.deadlocks} deadlocks`);
  t.ok(tally.lifted > 0, 'older transactions did append after newer ones (the hazard happened)');
  t.ok(tally.waited > 0, 'appends did wait on other transactions and retry');

  t.equal(log.length, signal.total, 'the tailing reader saw every event');
  t.equal(new Set(log.map((e) => e.id)).size, log.length, 'and none twice');
  t.same(misordered(log.map((e) => ({ stream_id: e.streamId, stream_revision: String(e.streamRevision) }))), [], 'readAll gives every stream in revision order');
});
