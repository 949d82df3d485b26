import { sql } from 'kysely';
import type { Db } from '../platform/database.ts';
import type { ProjectionState } from './checkpoints.ts';

/** Counting the lag costs O(lag): past this it only matters that it is huge. */
const LAG_COUNT_CAP = 1_000_000;

export interface ProjectionStatus {
  name: string;
  version: number;
  state: ProjectionState;
  lastError: string | null;
  eventsProcessed: number;
  /** Events in the log after the checkpoint (handled or not), counted up to 1,000,000. */
  lagEvents: number;
}

/**
 * Every projector's checkpoint and its lag behind the log, for `/ready`.
 *
 * @example const status = await projectionStatus(db); // [{ name: 'subscriptions', state: 'live', lagEvents: 0, … }]
 */
export async function projectionStatus(db: Db): Promise<ProjectionStatus[]> {
  const { rows } = await sql<{
    name: string;
    version: number;
    state: ProjectionState;
    last_error: string | null;
    events_processed: string;
    lag: string;
  }>`
    select c.name, c.version, c.state, c.last_error, c.events_processed,
      (select count(*) from (select 1 from events e
        where (e.transaction_id, e.global_position) > (c.position_commit, c.position_prepare)
        limit ${LAG_COUNT_CAP}) behind) as lag
    from projection_checkpoints c order by c.name`.execute(db);
  return rows.map((r) => ({
    name: r.name,
    version: r.version,
    state: r.state,
    lastError: r.last_error,
    eventsProcessed: Number(r.events_processed),
    lagEvents: Number(r.lag),
  }));
}
