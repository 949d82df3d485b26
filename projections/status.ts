import { sql } from 'kysely';
import { lagAfterCheckpoint } from '../platform/checkpoint-lag.ts';
import type { Db } from '../platform/database.ts';
import { REBUILD_SUFFIX, type ProjectionState } from './checkpoints.ts';

export interface ProjectionStatus {
  name: string;
  version: number;
  state: ProjectionState;
  lastError: string | null;
  eventsProcessed: number;
  /** `commit/prepare` of the last event absorbed (`0/0` before the first). */
  position: string;
  /** Events in the log after the checkpoint (handled or not), counted up to 1,000,000. */
  lagEvents: number;
  /** Now − `recorded_at` of the first event after the checkpoint; 0 when caught up. */
  lagSeconds: number;
  /** For a build-aside rebuild's checkpoint (`<name>:rebuild`), the projector it rebuilds. */
  rebuildOf: string | null;
}

/**
 * Every checkpoint (projectors and rebuilds in progress) and its lag behind the log, for `/ready`,
 * the metrics and `substream projections status`.
 *
 * @example const status = await projectionStatus(db); // [{ name: 'subscriptions', state: 'live', lagEvents: 0, lagSeconds: 0, … }]
 */
export async function projectionStatus(db: Db): Promise<ProjectionStatus[]> {
  const { rows } = await sql<{
    name: string;
    version: number;
    state: ProjectionState;
    last_error: string | null;
    events_processed: string;
    position: string;
    lag: string;
    lag_seconds: number | null;
  }>`
    select c.name, c.version, c.state, c.last_error, c.events_processed, c.position_commit::text || '/' || c.position_prepare as position,
      lag.events as lag, lag.seconds as lag_seconds
    from projection_checkpoints c ${lagAfterCheckpoint()} order by c.name`.execute(db);
  return rows.map((r) => ({
    name: r.name,
    version: r.version,
    state: r.state,
    lastError: r.last_error,
    eventsProcessed: Number(r.events_processed),
    position: r.position,
    lagEvents: Number(r.lag),
    lagSeconds: Math.max(0, r.lag_seconds ?? 0),
    rebuildOf: r.name.endsWith(REBUILD_SUFFIX) ? r.name.slice(0, -REBUILD_SUFFIX.length) : null,
  }));
}
