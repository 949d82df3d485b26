import { sql } from 'kysely';
import { lagAfterCheckpoint } from '../platform/checkpoint-lag.ts';
import type { Db } from '../platform/database.ts';
import { REBUILD_SUFFIX, type ProjectionState } from './checkpoints.ts';
import { openDeadLetters, type DeadLetter } from './dead-letters.ts';
import { allProjectors } from './registry.ts';

/** The read models a query route may declare in its policy's `reads`: every projector's name. */
export const READ_MODELS: readonly string[] = allProjectors.map((projector) => projector.name);

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
  /** The event the projector halted before (policy `halt`), until `projections retry|skip` resolves it. */
  haltedAt: HaltedAt | null;
  /** Events set aside by policy `park` and not resolved yet. */
  parked: number;
}

/** Where and why a projector halted. */
export interface HaltedAt {
  position: string;
  type: string;
  streamId: string;
  eventId: string;
  error: string;
}

/**
 * Every checkpoint (projectors and rebuilds in progress), its lag behind the log and its open dead
 * letters (the event it halted before, how many it parked), for `/ready`,
 * the metrics and `substream projections status`.
 *
 * @example const status = await projectionStatus(db); // [{ name: 'subscriptions', state: 'live', lagEvents: 0, lagSeconds: 0, … }]
 */
export async function projectionStatus(db: Db): Promise<ProjectionStatus[]> {
  const open = await openDeadLetters(db);
  const halted = new Map(open.filter((d) => d.status === 'halted').map((d) => [d.projector, d]));
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
    haltedAt: haltedAtOf(r.state, halted.get(r.name)),
    parked: open.filter((d) => d.projector === r.name && d.status === 'parked').length,
  }));
}

/** A `halted` dead letter counts while its projector's checkpoint is `failed` (a swap or fixed code may have moved it on). */
function haltedAtOf(state: ProjectionState, d: DeadLetter | undefined): HaltedAt | null {
  return state === 'failed' && d ? { position: d.position, type: d.type, streamId: d.streamId, eventId: d.eventId, error: d.error } : null;
}
