import { setTimeout as sleep } from 'node:timers/promises';
import { samePosition } from '../eventstore/log-position.ts';
import type { Db } from '../platform/database.ts';
import { loadCheckpoint, type Checkpoint } from './checkpoints.ts';

/**
 * The checkpoint is no longer the failure a projector stopped on: no longer `failed`, or another
 * version or position (a rebuild swapped a model in, or fixed code advanced it).
 *
 * @example await awaitCheckpoint(db, name, (now) => movedFrom(stuck, now), { intervalMs: 200 });
 */
export const movedFrom = (stuck: Checkpoint, now: Checkpoint): boolean =>
  now.state !== 'failed' || now.version !== stuck.version || !samePosition(now.position, stuck.position);

/**
 * Polls a checkpoint every `intervalMs` until `until` holds for it or the signal aborts: how a
 * stopped projector notices that another process (a rebuild's swap, newer or fixed code) changed
 * its model. A read that fails (database away) is polled again; a missing checkpoint never holds.
 *
 * @example await awaitCheckpoint(db, 'creators', (now) => now.state !== 'failed', { intervalMs: 200, signal });
 */
export async function awaitCheckpoint(
  db: Db,
  name: string,
  until: (checkpoint: Checkpoint) => boolean,
  options: { intervalMs: number; signal?: AbortSignal },
): Promise<void> {
  const { intervalMs, signal } = options;
  while (!signal?.aborted) {
    const checkpoint = await loadCheckpoint(db, name).catch(() => undefined);
    if (checkpoint && until(checkpoint)) return;
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
  }
}
