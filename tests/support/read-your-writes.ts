import { setTimeout as sleep } from 'node:timers/promises';
import { runProjectors } from '../../projections/runner.ts';
import { allProjectors } from '../../projections/registry.ts';
import type { Projector } from '../../projections/types.ts';
import type { Db } from '../../platform/database.ts';

/**
 * The same projector, slowed: each batch waits `delayMs` inside its transaction before it applies,
 * so a query sent right after a write reliably finds its read model behind.
 *
 * @example const slow = delayed(creatorsProjector, 300);
 */
export function delayed(projector: Projector, delayMs: number): Projector {
  return { ...projector, apply: async (trx, events) => (await sleep(delayMs), projector.apply(trx, events)) };
}

/**
 * Runs every projector (slowed by `delayMs`) in this process, as `serve` does, until the returned
 * function is called (call it before the database goes).
 *
 * @example const stop = runSlowProjectors(database.db, 300); … await stop();
 */
export function runSlowProjectors(db: Db, delayMs: number): () => Promise<void> {
  const controller = new AbortController();
  const running = runProjectors(db, allProjectors.map((projector) => delayed(projector, delayMs)), { pollIntervalMs: 50, signal: controller.signal });
  return async () => {
    controller.abort();
    await running;
  };
}
