import type { Timestamp } from './types.ts';

/** Adds whole seconds to an ISO-8601 timestamp. Pure: the clock stays outside the domain. */
export function addSeconds(at: Timestamp, seconds: number): Timestamp {
  return new Date(Date.parse(at) + seconds * 1000).toISOString();
}

/** `a` is at or after `b` (ISO-8601 timestamps of any precision). */
export function isAtOrAfter(a: Timestamp, b: Timestamp): boolean {
  return Date.parse(a) >= Date.parse(b);
}
