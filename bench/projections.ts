import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { sql } from 'kysely';
import { createDb } from '../platform/database.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { createCreatorsProjector } from '../projections/creators/projector.ts';
import { catchUp } from '../projections/runner.ts';
import { createSubscriptionsProjector } from '../projections/subscriptions/projector.ts';
import type { Projector } from '../projections/types.ts';
import { appendBacklog } from '../tests/support/backlog.ts';
import { admin, SERVER_URL } from './support/database.ts';

const EVENTS = Number(process.env.BENCH_PROJECTION_EVENTS ?? 200_000);
const BATCH = Number(process.env.BENCH_PROJECTION_BATCH ?? 10_000);


const rate = (events: number, ms: number) => `${Math.round((events / ms) * 1000).toLocaleString('en-US')} events/s`;

/**
 * Projection catch-up over a backlog of 200,000 events (every subscription event type over 200
 * creators and 20,000 wallets, ~7% creator events) in a fresh database: each projector alone
 * from position 0, then both at once as `substream project` runs them. Target ≥ 100k events/s.
 */
export async function run(): Promise<void> {
  const name = `substream_bench_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const db = createDb({ url: url.toString(), max: 8 });
  console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  try {
    await migrateToLatest(db);
    let started = performance.now();
    const backlog = await appendBacklog(db, { count: EVENTS, creators: 200, wallets: 20_000 });
    console.log(`backlog: ${backlog.events.toLocaleString('en-US')} events appended in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const measure = async (label: string, projectors: Projector[]) => {
      started = performance.now();
      const cpu = process.cpuUsage();
      const results = await Promise.all(projectors.map((p) => catchUp(db, p, { batchSize: BATCH })));
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const nodeCpuMs = (used.user + used.system) / 1000;
      const applied = results.map((r, i) => `${projectors[i]!.name} applied ${r.applied.toLocaleString('en-US')}`).join(', ');
      console.log(`${label.padEnd(34)} ${rate(EVENTS, ms).padStart(18)}  (${(ms / 1000).toFixed(2)} s, batch ${BATCH}; ${applied})`);
      console.log(`${''.padEnd(34)} ${rate(EVENTS, nodeCpuMs).padStart(18)}  per node CPU-second (the projector's own share; PostgreSQL's is extra)`);
    };
    await measure('subscriptions catch-up', [createSubscriptionsProjector({ name: 'bench-subscriptions' })]);
    await measure('creators catch-up', [createCreatorsProjector({ name: 'bench-creators' })]);
    await db.transaction().execute(async (trx) => {
      await sql`select set_config('app.projection_writer', 'on', true)`.execute(trx);
      await sql`truncate subscriptions, creators`.execute(trx);
    });
    await measure('both projectors at once (per log)', [
      createSubscriptionsProjector({ name: 'bench-subscriptions-2', table: 'subscriptions' }),
      createCreatorsProjector({ name: 'bench-creators-2', table: 'creators' }),
    ]);
  } finally {
    await db.destroy();
    await admin(`drop database if exists ${name} with (force)`);
  }
}
