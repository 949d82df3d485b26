import fc from 'fast-check';
import { sql, type ControlledTransaction } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { WrongExpectedRevision } from '../../eventstore/errors.ts';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { readStreamEvents } from '../../eventstore/postgres/read.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { AppendResult, EventStore, NewEvent, StreamAppend } from '../../eventstore/types.ts';
import { uuidV5 } from '../../indexer/identity.ts';
import type { Db } from '../../platform/database.ts';
import type { Database } from '../../platform/schema.ts';

/**
 * Random interleavings of the event store's writers on the real PostgreSQL: actors, each on its own
 * connection, run sessions of the kinds the code base has — autocommit command appends (with or
 * without an expected revision read first), multi-statement transactions like the indexer's batch
 * (several `appendToStreams` calls, the first often to the actor's own stream, which takes the
 * xid), and reactor transactions like the invoice-links projector's (read a stream, append a
 * reaction with a deterministic id). A lane steps its actors one statement at a time in the order
 * its picks say; a statement that waits on another transaction's lock is left waiting (it finishes
 * through the append's savepoint retry once the other commits) and the lane steps the others.
 */

export const SHARED_STREAMS = 3;
/** Stream index `SHARED_STREAMS` is the actor's own stream (the indexer's contract stream). */
type Op = { kind: 'append'; stream: number; events: number } | { kind: 'react'; stream: number };
type Session =
  | { kind: 'autocommit'; streams: number[]; expect: boolean }
  | { kind: 'transaction'; ops: Op[]; commit: boolean };
export interface LaneProgram {
  actors: Session[][];
  picks: number[];
}

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('append' as const), stream: fc.nat(SHARED_STREAMS), events: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('react' as const), stream: fc.nat(SHARED_STREAMS - 1) }) },
);
const session: fc.Arbitrary<Session> = fc.oneof(
  fc.record({ kind: fc.constant('autocommit' as const), streams: fc.uniqueArray(fc.nat(SHARED_STREAMS - 1), { minLength: 1, maxLength: 2 }), expect: fc.boolean() }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('transaction' as const), ops: fc.array(op, { minLength: 1, maxLength: 4 }), commit: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x < 0.85) }) },
);

/** One lane's program: each actor's sessions and the order the lane steps them in. */
export const laneProgram = (actors: number): fc.Arbitrary<LaneProgram> =>
  fc.record({
    actors: fc.array(fc.array(session, { minLength: 1, maxLength: 3 }), { minLength: actors, maxLength: actors }),
    picks: fc.array(fc.nat(actors * 4), { minLength: 10, maxLength: 40 }),
  });

/** What the interleavings did, summed over lanes: the figures that show the hazards really happened. */
export interface Tally {
  committed: number;
  rolledBack: number;
  waited: number;
  lifted: number;
  conflicts: number;
  deadlocks: number;
  reactions: number;
}
export const emptyTally = (): Tally => ({ committed: 0, rolledBack: 0, waited: 0, lifted: 0, conflicts: 0, deadlocks: 0, reactions: 0 });

/**
 * An actor: a pool of one connection whose `application_name` is `name`, so a statement of its
 * waiting on a lock can be found (the pool replaces a connection a failed query leaves behind).
 */
export interface Actor {
  db: Db;
  store: EventStore;
  name: string;
}

/** An actor on `db`, a pool of one connection created with `applicationName: name`. */
export const actorOn = (db: Db, name: string): Actor => ({ db, store: createPostgresEventStore(db), name });

const isDeadlock = (error: unknown) => (error as { code?: string } | null)?.code === '40P01';
const event = (type: string, id: string = randomUUID()): NewEvent => ({ id, type, data: { n: 1 }, metadata: { source: 'chain' } });
const fresh = (calls: StreamAppend[], results: AppendResult[]) =>
  calls.flatMap((call, i) => call.events.map((e) => e.id).filter((id) => !results[i]!.alreadyStored.includes(id)));

/** A lane's streams: the shared ones, a reaction stream for each, and each actor's own. */
export interface LaneStreams {
  shared: string[];
  reactions: string[];
  own: string[];
}

interface Context {
  actor: Actor;
  streams: { shared: string[]; reactions: string[]; own: string };
  committed: Set<string>;
  tally: Tally;
}

/** The steps of one session: one statement (or one read-then-append) each. */
function sessionSteps(ctx: Context, s: Session): (() => Promise<void>)[] {
  const { actor, streams, committed, tally } = ctx;
  if (s.kind === 'autocommit') {
    return [async () => {
      const calls: StreamAppend[] = [];
      for (const k of s.streams) {
        const streamId = streams.shared[k]!;
        const [last] = s.expect ? await actor.store.readStream(streamId, { direction: 'backwards', limit: 1 }) : [];
        calls.push({ streamId, events: [event('Command')], expectedRevision: s.expect ? (last?.streamRevision ?? 'no_stream') : 'any' });
      }
      try {
        const results = await actor.store.appendMany(calls);
        for (const id of fresh(calls, results)) committed.add(id);
        tally.committed++;
      } catch (error) {
        if (error instanceof WrongExpectedRevision) tally.conflicts++;
        else if (isDeadlock(error)) tally.deadlocks++;
        else throw error;
      }
    }];
  }
  let trx: ControlledTransaction<Database> | undefined;
  let aborted = false;
  const written: string[] = [];
  const commits = new Set<bigint>();
  const guarded = (step: () => Promise<void>) => async () => {
    if (aborted) return;
    try {
      trx ??= await actor.db.startTransaction().execute();
      await step();
    } catch (error) {
      aborted = true;
      await trx?.rollback().execute();
      if (!isDeadlock(error)) throw error;
      tally.deadlocks++;
    }
  };
  const append = async (calls: StreamAppend[]) => {
    const results = await appendToStreams(trx!, calls);
    written.push(...fresh(calls, results));
    for (const r of results) if (r.position) commits.add(r.position.commit);
  };
  const steps = s.ops.map((o) => guarded(async () => {
    if (o.kind === 'append') {
      const streamId = o.stream === SHARED_STREAMS ? streams.own : streams.shared[o.stream]!;
      await append([{ streamId, events: Array.from({ length: o.events }, () => event('Fact')) }]);
      return;
    }
    const [last] = await readStreamEvents(trx!, streams.shared[o.stream]!, { direction: 'backwards', limit: 1 });
    if (!last) return;
    await append([{ streamId: streams.reactions[o.stream]!, events: [event('Reaction', uuidV5(`reaction:${last.id}`))] }]);
    tally.reactions++;
  }));
  steps.push(guarded(async () => {
    const { rows } = await sql<{ xid: string | null }>`select pg_current_xact_id_if_assigned()::text as xid`.execute(trx!);
    const own = rows[0]!.xid === null ? null : BigInt(rows[0]!.xid);
    if (!s.commit) {
      await trx!.rollback().execute();
      tally.rolledBack++;
      return;
    }
    await trx!.commit().execute();
    for (const id of written) committed.add(id);
    for (const commit of commits) if (own !== null && commit > own) tally.lifted++;
    tally.committed++;
  }));
  return steps;
}

/**
 * Runs one lane's program to its end on `actors` (one per program actor) and returns the ids of the
 * events it committed.
 */
export async function runLane(monitor: Db, actors: Actor[], program: LaneProgram, streams: LaneStreams, tally: Tally): Promise<Set<string>> {
  const committed = new Set<string>();
  const failures: unknown[] = [];
  const states = program.actors.map((sessions, a) => {
    const ctx: Context = { actor: actors[a]!, streams: { shared: streams.shared, reactions: streams.reactions, own: streams.own[a]! }, committed, tally };
    return { actor: actors[a]!, steps: sessions.flatMap((s) => sessionSteps(ctx, s)), next: 0, pending: null as Promise<void> | null };
  });
  let pick = 0;
  for (;;) {
    const ready = states.filter((s) => s.next < s.steps.length && !s.pending);
    if (ready.length === 0) {
      const waiting = states.filter((s) => s.pending).map((s) => s.pending!);
      if (waiting.length === 0) break;
      await Promise.race(waiting);
      continue;
    }
    if (failures.length > 0) throw failures[0];
    const state = ready[(program.picks[pick++] ?? 0) % ready.length]!;
    let settled = false;
    const step = state.steps[state.next++]!;
    const running = step().catch((error: unknown) => void failures.push(error)).finally(() => {
      settled = true;
      state.pending = null;
    });
    state.pending = running;
    // Let the statement run; if it waits on another transaction's lock, step the others meanwhile.
    for (const started = Date.now(); ; ) {
      await Promise.race([running, sleep(3)]);
      if (settled) break;
      if (Date.now() - started > 10_000) throw new Error(`a step of ${state.actor.name} ran 10 s without waiting on a lock`);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where application_name = ${state.actor.name} and cardinality(pg_blocking_pids(pid)) > 0`.execute(monitor);
      if (settled) break;
      if (rows[0]!.n > 0) {
        tally.waited++;
        break;
      }
    }
  }
  if (failures.length > 0) throw failures[0];
  return committed;
}
