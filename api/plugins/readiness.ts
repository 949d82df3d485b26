import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { projectionStatus, type HaltedAt } from '../../projections/status.ts';

export interface ProjectionReadiness {
  name: string;
  state: string;
  lagEvents: number;
  lagSeconds: number;
  lastError: string | null;
  haltedAt: HaltedAt | null;
  parked: number;
  /** Failed (halted) or past READY_MAX_LAG_EVENTS: this read model serves stale data. A rebuild never is. */
  stale: boolean;
}

export interface Readiness {
  /** Whether the last check reached the database: `down` means this instance cannot serve. */
  database: 'up' | 'down';
  /** `stale` when any live read model is stale (the instance still serves, from older data). */
  readModels: 'current' | 'stale';
  projections: ProjectionReadiness[];
  /** When the state was taken (ISO), null before the first check. */
  checkedAt: string | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: {
      /** The cached state: no I/O. */
      current(): Readiness;
      /** Checks the database and the projectors now (a check in flight is joined, not doubled). */
      refresh(): Promise<Readiness>;
    };
  }
}

/**
 * The readiness monitor: checks the database and every projector's status in the background
 * every READY_REFRESH_MS (and once before the app is ready), so `/ready` answers from memory
 * however often it is probed; the counts behind projector lag run once per interval per
 * instance, never per request.
 */
export default fp(
  async (app) => {
    const { READY_REFRESH_MS, READY_MAX_LAG_EVENTS } = app.services.config;
    let state: Readiness = { database: 'down', readModels: 'current', projections: [], checkedAt: null };
    let inFlight: Promise<Readiness> | undefined;

    const check = async (): Promise<Readiness> => {
      const checkedAt = new Date().toISOString();
      try {
        await sql`select 1`.execute(app.services.db);
        const projections = (await projectionStatus(app.services.db)).map((p) => ({
          name: p.name, state: p.state, lagEvents: p.lagEvents, lagSeconds: p.lagSeconds, lastError: p.lastError, haltedAt: p.haltedAt, parked: p.parked,
          stale: p.rebuildOf === null && (p.state === 'failed' || p.lagEvents > READY_MAX_LAG_EVENTS),
        }));
        return { database: 'up', readModels: projections.some((p) => p.stale) ? 'stale' : 'current', projections, checkedAt };
      } catch (error) {
        app.log.warn({ err: error }, 'readiness check: the database did not answer');
        return { database: 'down', readModels: state.readModels, projections: state.projections, checkedAt };
      }
    };
    const refresh = (): Promise<Readiness> =>
      (inFlight ??= check().then((next) => (state = next)).finally(() => (inFlight = undefined)));

    app.decorate('readiness', { current: () => state, refresh });
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      await refresh();
      timer = setInterval(() => void refresh(), READY_REFRESH_MS).unref();
    });
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await inFlight;
    });
  },
  { name: 'readiness', dependencies: ['services'] },
);
