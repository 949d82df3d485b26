import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { subscriptionStreamId } from '../domain/subscription/events.ts';
import type { NewEvent } from '../eventstore/types.ts';
import { subscriptionAsOf } from '../projections/as-of/queries.ts';
import { randomAccount, testApp } from '../tests/support/app.ts';

const STREAM_EVENTS = Number(process.env.BENCH_ASOF_STREAM_EVENTS ?? 200);
const OTHER_FACTS = Number(process.env.BENCH_ASOF_OTHER_FACTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ASOF_ROUNDS ?? 6);
const OPS = Number(process.env.BENCH_ASOF_OPS ?? 300);
const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
const FIRST = 1_000_000;
const closeOf = (ledger: number): string => new Date(Date.UTC(2026, 10, 1) + (ledger - FIRST) * 5_000).toISOString();

function billed(subscriber: string, creator: string, ledger: number): NewEvent {
  const chain = { ledger, ledgerClosedAt: closeOf(ledger), txHash: randomBytes(32).toString('hex'), operationIndex: 0, eventIndex: 0, contractId: TOKEN };
  return {
    id: randomUUID(), type: 'SubscriptionBilled',
    data: { subscriber, creator, amount: '1000', billedAt: closeOf(ledger), merchantReferenceId: null, receiptHash: null },
    metadata: { source: 'chain', tenantId: creator, chain },
  };
}

interface Tally {
  wallMs: number;
  cpuMs: number;
  ops: number;
}

async function measure(tally: Tally, fn: (i: number) => Promise<unknown>): Promise<void> {
  const cpu = process.cpuUsage();
  const began = performance.now();
  for (let i = 0; i < OPS; i++) await fn(i);
  tally.wallMs += performance.now() - began;
  const used = process.cpuUsage(cpu);
  tally.cpuMs += (used.user + used.system) / 1_000;
  tally.ops += OPS;
}

/**
 * The as-of point read (`subscriptionAsOf`: the stream read, the ledger clock and coverage
 * lookups, the fold up to the bound) against the plain read of the same stream
 * (`store.readStream`), in alternating rounds on a real app's database, with `OTHER_FACTS` chain
 * facts of other subscriptions in the log (the ledger clock's index has something to search).
 * Prints wall and this process's CPU milliseconds per operation and the ratios.
 */
export async function run(): Promise<void> {
  const teardowns: (() => unknown)[] = [];
  const t = { teardown: (fn: () => unknown) => teardowns.push(fn) };
  try {
    const { app, database } = await testApp(t);
    const store = app.services.eventStore;
    const creator = randomAccount();
    const subscriber = randomAccount();
    for (let done = 0; done < OTHER_FACTS; done += 1_000) {
      const appends = Array.from({ length: Math.min(1_000, OTHER_FACTS - done) }, (_, i) => {
        const other = randomAccount();
        return { streamId: subscriptionStreamId(other, creator), events: [billed(other, creator, FIRST + ((done + i) % (STREAM_EVENTS * 10)))] };
      });
      await store.appendMany(appends);
    }
    const ledgers = Array.from({ length: STREAM_EVENTS }, (_, i) => FIRST + i * 10);
    await store.append(subscriptionStreamId(subscriber, creator), ledgers.map((ledger) => billed(subscriber, creator, ledger)));
    await database.db.insertInto('indexer_ranges').values({ job: 'live', from_ledger: String(FIRST), to_ledger: String(FIRST + STREAM_EVENTS * 10) }).execute();
    console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; stream of ${STREAM_EVENTS} events, ${OTHER_FACTS.toLocaleString('en-US')} other facts`);

    const streamId = subscriptionStreamId(subscriber, creator);
    const plain: Tally = { wallMs: 0, cpuMs: 0, ops: 0 };
    const asOf: Tally = { wallMs: 0, cpuMs: 0, ops: 0 };
    const bound = (i: number) => ({ ledger: ledgers[(i * 7919) % ledgers.length]! + 5 });
    await measure({ wallMs: 0, cpuMs: 0, ops: 0 }, () => subscriptionAsOf(database.db, store, subscriber, creator, bound(0)));
    for (let round = 0; round < ROUNDS; round++) {
      await measure(plain, () => store.readStream(streamId));
      await measure(asOf, (i) => subscriptionAsOf(database.db, store, subscriber, creator, bound(i)));
    }
    const per = (x: Tally) => ({ wall: x.wallMs / x.ops, cpu: x.cpuMs / x.ops });
    const p = per(plain);
    const a = per(asOf);
    console.log(`plain stream read      ${p.wall.toFixed(3)} ms/op wall, ${p.cpu.toFixed(3)} ms/op CPU (${plain.ops} ops)`);
    console.log(`as-of point read       ${a.wall.toFixed(3)} ms/op wall, ${a.cpu.toFixed(3)} ms/op CPU (${asOf.ops} ops)`);
    console.log(`ratio as-of / plain    ${(a.wall / p.wall).toFixed(2)}× wall, ${(a.cpu / p.cpu).toFixed(2)}× CPU (target ≤ 2×)`);
  } finally {
    for (const fn of teardowns.reverse()) await fn();
  }
}
