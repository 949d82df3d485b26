import type { Db } from '../platform/database.ts';
import { REBUILD_SUFFIX, type ProjectionState } from './checkpoints.ts';
import { projectionStatus, type ProjectionStatus } from './status.ts';
import type { Projector } from './types.ts';

export interface RebuildOverview {
  version: number;
  state: ProjectionState;
  position: string;
  lagEvents: number;
  lagSeconds: number;
  eventsProcessed: number;
  lastError: string | null;
}

export interface ProjectorOverview {
  name: string;
  codeVersion: number;
  /** The version that built the live model; null before the projector first ran. */
  storedVersion: number | null;
  /** The live model was built by an older version than the code's: rebuild it. */
  stale: boolean;
  /** The live model was built by newer code than this process runs: upgrade this process, don't rebuild. */
  newer: boolean;
  /** `rebuilding` while a build-aside rebuild exists (unless the live projector failed); `new` before the first run. */
  state: ProjectionState | 'new';
  position: string | null;
  lagEvents: number | null;
  lagSeconds: number | null;
  eventsProcessed: number;
  lastError: string | null;
  rebuild: RebuildOverview | null;
}

function rebuildOf(row: ProjectionStatus): RebuildOverview {
  const { version, state, position, lagEvents, lagSeconds, eventsProcessed, lastError } = row;
  return { version, state, position, lagEvents, lagSeconds, eventsProcessed, lastError };
}

/**
 * Each projector of the code beside its checkpoint and its rebuild's: what `substream projections
 * status` prints.
 *
 * @example const [subscriptions] = await projectionOverview(db, [subscriptionsProjector]); // { stale: true, state: 'rebuilding', … }
 */
export async function projectionOverview(db: Db, projectors: readonly Projector[]): Promise<ProjectorOverview[]> {
  const rows = new Map((await projectionStatus(db)).map((row) => [row.name, row]));
  return projectors.map((projector) => {
    const live = rows.get(projector.name);
    const rebuild = rows.get(`${projector.name}${REBUILD_SUFFIX}`);
    const state = !live ? 'new' : live.state !== 'failed' && rebuild ? 'rebuilding' : live.state;
    return {
      name: projector.name,
      codeVersion: projector.version,
      storedVersion: live?.version ?? null,
      stale: live !== undefined && live.version < projector.version,
      newer: live !== undefined && live.version > projector.version,
      state,
      position: live?.position ?? null,
      lagEvents: live?.lagEvents ?? null,
      lagSeconds: live?.lagSeconds ?? null,
      eventsProcessed: live?.eventsProcessed ?? 0,
      lastError: live?.lastError ?? null,
      rebuild: rebuild ? rebuildOf(rebuild) : null,
    };
  });
}
