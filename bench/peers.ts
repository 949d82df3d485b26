import os from 'node:os';
import { createDb } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { admin } from './support/database.ts';
import { freshDatabase } from './support/fresh-database.ts';
import { pgbenchMissing, pgbenchRound, preparePgbench } from './peers/pgbench.ts';
import { measureRound, type Round } from './peers/round.ts';
import { emmett, substream, type Side } from './peers/stores.ts';
import { appends, contended, streamReads, type Workload } from './peers/workloads.ts';

const SECONDS = Number(process.env.BENCH_PEERS_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_PEERS_ROUNDS ?? 3);

/** Connections left for others (this run's setup pool, other sessions) when a workload opens its own. */
const RESERVED_CONNECTIONS = 16;
/** Workloads whose label contains this (BENCH_PEERS_ONLY), else all. */
const ONLY = process.env.BENCH_PEERS_ONLY ?? '';

async function freeConnections(): Promise<number> {
  const { rows } = await admin(`select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int - count(*)::int as free from pg_stat_activity where backend_type = 'client backend'`);
  return rows[0].free;
}

interface Reference {
  name: string;
  /** Why it cannot run, or undefined. */
  skip?: string;
  round(): Promise<Round>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '—');
const rate = (v: number) => Math.round(v).toLocaleString('en-US');
const describe = (r: Round) =>
  `${rate(r.rate)}/s (node ${fmt(r.nodeMsPerOp)} ms, PG ${fmt(r.pgMsPerOp)} ms per op${r.conflicts ? `, ${r.conflicts} conflicts` : ''}${r.reconnects ? `, ${r.reconnects} reconnects` : ''}, load ${r.load.toFixed(1)})`;

/**
 * Alternates SubStream with each reference (A, B, C, A, B, C …) for ROUNDS rounds and prints every
 * round and the medians with the ratio of SubStream to each reference.
 */
async function compare(workload: Workload, at: { url: string; database: string }, references: Reference[]): Promise<string[]> {
  const ours: Round[] = [];
  const theirs = references.map((): Round[] => []);
  const runnable = references.filter((r) => !r.skip);
  const attempt = async (name: string, round: number, measure: () => Promise<Round>, into: Round[]) => {
    try {
      into.push(await measure());
      console.log(`  ${workload.label} round ${round}: ${name} ${describe(into.at(-1)!)}`);
    } catch (error) {
      // Other sessions share the server: a round that finds no free connection is reported, not fatal.
      if ((error as { code?: string }).code !== '53300') throw error;
      console.log(`  ${workload.label} round ${round}: ${name} skipped: the server had no free connection (53300)`);
    }
  };
  for (let round = 1; round <= ROUNDS; round++) {
    await attempt('SubStream', round, () => measureRound(substream, workload, { ...at, seconds: SECONDS }), ours);
    for (const reference of runnable) await attempt(reference.name, round, reference.round, theirs[references.indexOf(reference)]!);
  }
  const mine = median(ours.map((r) => r.rate));
  const lines = [
    row(workload.label, `${rate(mine)} ${workload.unit}/s`, 'SubStream', '', ours),
  ];
  references.forEach((reference, i) => {
    if (reference.skip) lines.push(`| ${workload.label} | — | ${reference.name} | skipped: ${reference.skip} | | | |`);
    else {
      const ref = median(theirs[i]!.map((r) => r.rate));
      lines.push(row(workload.label, `${rate(ref)} ${workload.unit}/s`, reference.name, `${(mine / ref).toFixed(2)}×`, theirs[i]!));
    }
  });
  return lines;
}

function row(label: string, figure: string, who: string, ratio: string, rounds: Round[]): string {
  const med = (f: (r: Round) => number) => fmt(median(rounds.map(f)));
  const reconnects = rounds.reduce((a, r) => a + r.reconnects, 0);
  return `| ${label} | ${figure} | ${who} | ${ratio} | ${med((r) => r.nodeMsPerOp)} / ${med((r) => r.pgMsPerOp)} | ${reconnects} | ${rounds.map((r) => rate(r.rate)).join(', ')} |`;
}

/**
 * SubStream's PostgreSQL event store against references measured in the same run on the same
 * server (issue 20): Emmett's PostgreSQL event store with the same events and writers, and pgbench
 * one-INSERT transactions into an events-shaped table. Rates are medians of alternating rounds;
 * CPU per operation (this process's, and the store's backends' from /proc) is printed beside them.
 */
export async function run(): Promise<void> {
  const database = await freshDatabase();
  const setup = createDb({ url: database.url, max: 2, applicationName: 'substream-bench-setup' });
  const at = { url: database.url, database: database.name };
  const missing = await pgbenchMissing();
  let cleanup = async () => {};
  try {
    await migrateToLatest(setup);
    const pgbench = missing ? undefined : await preparePgbench(setup);
    if (pgbench) cleanup = pgbench.cleanup;
    // Emmett creates its schema on first use: once here, not inside a measured round.
    const warm = await emmett.open(database.url, 1);
    await warm.append('emmett-schema', [], -1).catch(() => {});
    await warm.close();

    console.log(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${ROUNDS} alternating rounds of ${SECONDS} s (BENCH_PEERS_ROUNDS, BENCH_PEERS_SECONDS)`);
    const side = (s: Side, workload: Workload): Reference => ({ name: s.name, round: () => measureRound(s, workload, { ...at, seconds: SECONDS }) });
    const pgbenchAt = (clients: number): Reference => ({
      name: `pgbench one-INSERT, ${clients} clients`,
      skip: missing,
      round: () => pgbenchRound(database.name, pgbench!.script, clients, SECONDS),
    });
    const lines: string[] = [];
    for (const [workload, extra] of [
      [appends(16, 1), [pgbenchAt(16)]],
      [appends(64, 1), [pgbenchAt(64)]],
      [appends(4, 100), []],
      [streamReads(16, 100), []],
      [contended(16, 4), []],
    ] as const) {
      if (!workload.label.includes(ONLY)) continue;
      const free = await freeConnections();
      if (free < workload.writers + RESERVED_CONNECTIONS) lines.push(`| ${workload.label} | — | all | skipped: ${free} free connections on the server (max_connections), it needs ${workload.writers} | | | |`);
      else lines.push(...(await compare(workload, at, [side(emmett, workload), ...extra])));
    }
    console.log([
      '',
      '| workload | median | store | SubStream ÷ it | node / PG ms per op (median) | reconnects | every round |',
      '|---|---|---|---|---|---|---|',
      ...lines,
    ].join('\n'));
    console.log(`\nload average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; pgbench's PG ms is an estimate (its backends sampled between 1 s in and 0.5 s before the end); node ms includes making the events`);
  } finally {
    await setup.destroy();
    await cleanup();
    await database.drop();
  }
}
