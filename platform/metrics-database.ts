import { sql } from 'kysely';
import { LAG_COUNT_CAP, lagAfterCheckpoint } from './checkpoint-lag.ts';
import type { Db } from './database.ts';

/** What the metrics read from PostgreSQL at scrape time; the same for every process of a deployment. */
export interface DatabaseSnapshot {
  up: boolean;
  lastPosition: number | null;
  projections: { name: string; state: string; lagEvents: number; lagSeconds: number }[];
  /** Open dead letters (`projection_dead_letters`: halted or parked events) per projector and status. */
  deadLetters: { projector: string; status: string; count: number }[];
  /** Each outbox relay behind the log (`outbox_checkpoints`: a row once its first batch was acknowledged or failed). */
  relays: { name: string; lagEvents: number; lagSeconds: number }[];
  /** `sourceFailingSeconds`: how long the job's source has been failing, null while it answers. */
  indexer: { job: string; processedLedger: number; latestLedger: number | null; ageSeconds: number; sourceFailingSeconds: number | null }[];
}

interface Present {
  events: boolean;
  projections: boolean;
  relays: boolean;
  indexer: boolean;
  indexer_latest: boolean;
  indexer_source: boolean;
  dead_letters: boolean;
}

type LagRow = { name: string; lag_events: string; lag_seconds: number | null };
const toLag = (r: LagRow) => ({ name: r.name, lagEvents: Number(r.lag_events), lagSeconds: Math.max(0, r.lag_seconds ?? 0) });

/**
 * Reads the log head, projector and relay lag (events counted up to `lagCountCap`, default
 * LAG_COUNT_CAP, as `projections status` does), and indexer checkpoints. Never throws: a table that does not
 * exist (an older schema) or a query that fails leaves its part empty; an unreachable database
 * gives `up: false`.
 *
 * @example const { projections } = await readDatabaseSnapshot(db);
 */
export async function readDatabaseSnapshot(db: Db, options: { lagCountCap?: number } = {}): Promise<DatabaseSnapshot> {
  const lag = lagAfterCheckpoint(options.lagCountCap ?? LAG_COUNT_CAP);
  const snapshot: DatabaseSnapshot = { up: false, lastPosition: null, projections: [], deadLetters: [], relays: [], indexer: [] };
  let present: Present;
  try {
    const { rows } = await sql<Present>`select
        to_regclass('events') is not null as events,
        to_regclass('projection_checkpoints') is not null as projections,
        to_regclass('outbox_checkpoints') is not null as relays,
        to_regclass('indexer_checkpoints') is not null as indexer,
        to_regclass('projection_dead_letters') is not null as dead_letters,
        exists (select 1 from information_schema.columns
                where table_schema = current_schema() and table_name = 'indexer_checkpoints'
                  and column_name = 'latest_ledger') as indexer_latest,
        exists (select 1 from information_schema.columns
                where table_schema = current_schema() and table_name = 'indexer_checkpoints'
                  and column_name = 'source_failing_since') as indexer_source`.execute(db);
    present = rows[0]!;
    snapshot.up = true;
  } catch {
    return snapshot;
  }
  const parts: Promise<void>[] = [];
  if (present.events) {
    parts.push(
      attempt(async () => {
        const { rows } = await sql<{ last: string | null }>`select max(global_position)::text as last from events`.execute(db);
        snapshot.lastPosition = Number(rows[0]?.last ?? 0);
      }),
    );
  }
  if (present.events && present.projections) {
    parts.push(
      attempt(async () => {
        const { rows } = await sql<LagRow & { state: string }>`
          select c.name, c.state, lag.events::text as lag_events, lag.seconds::float8 as lag_seconds
          from projection_checkpoints c ${lag}
          order by c.name`.execute(db);
        snapshot.projections = rows.map((r) => ({ ...toLag(r), state: r.state }));
      }),
    );
  }
  if (present.dead_letters) {
    parts.push(
      attempt(async () => {
        const { rows } = await sql<{ projector: string; status: string; count: number }>`
          select projector, status, count(*)::int as count from projection_dead_letters
          where status in ('halted', 'parked') group by projector, status order by projector, status`.execute(db);
        snapshot.deadLetters = rows;
      }),
    );
  }
  if (present.events && present.relays) {
    parts.push(
      attempt(async () => {
        const { rows } = await sql<LagRow>`
          select c.name, lag.events::text as lag_events, lag.seconds::float8 as lag_seconds
          from outbox_checkpoints c ${lag}
          order by c.name`.execute(db);
        snapshot.relays = rows.map(toLag);
      }),
    );
  }
  if (present.indexer) {
    const latest = present.indexer_latest ? sql`latest_ledger::text` : sql`null::text`;
    const failing = present.indexer_source ? sql`extract(epoch from now() - source_failing_since)::float8` : sql`null::float8`;
    parts.push(
      attempt(async () => {
        const { rows } = await sql<{ job: string; last_ledger: string; latest_ledger: string | null; age: number; failing: number | null }>`
          select job, last_ledger::text, ${latest} as latest_ledger, extract(epoch from now() - updated_at)::float8 as age, ${failing} as failing
          from indexer_checkpoints order by job`.execute(db);
        snapshot.indexer = rows.map((r) => ({
          job: r.job,
          processedLedger: Number(r.last_ledger),
          latestLedger: r.latest_ledger === null ? null : Number(r.latest_ledger),
          ageSeconds: Math.max(0, r.age),
          sourceFailingSeconds: r.failing === null ? null : Math.max(0, r.failing),
        }));
      }),
    );
  }
  await Promise.all(parts);
  return snapshot;
}

async function attempt(part: () => Promise<void>): Promise<void> {
  try {
    await part();
  } catch {
    // A table in the middle of a migration, or a column that changed: leave this part empty.
  }
}
