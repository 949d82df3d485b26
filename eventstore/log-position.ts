import type { LogPosition } from './types.ts';

/**
 * Whether two positions in the global log are the same.
 *
 * @example samePosition({ commit: 7n, prepare: 3n }, checkpoint.position) // true when the checkpoint is there
 */
export const samePosition = (a: LogPosition, b: LogPosition): boolean => a.commit === b.commit && a.prepare === b.prepare;

/**
 * Orders two positions in the global log, by `commit`, then `prepare`: negative when `a` comes
 * first, 0 when they are the same, positive when `a` comes after `b` (an `Array.prototype.sort` comparator).
 *
 * @example comparePositions({ commit: 7n, prepare: 3n }, { commit: 7n, prepare: 5n }) // -1
 */
export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  return a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
}
