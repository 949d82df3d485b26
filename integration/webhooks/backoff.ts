export interface BackoffPolicy {
  /** The delay before the second attempt, before jitter. */
  baseMs: number;
  /** The longest delay between two attempts. */
  maxMs: number;
}

/**
 * The delay before the next attempt after `failures` failed ones: doubling from `baseMs` up to
 * `maxMs`, with "equal jitter" (half fixed, half random) so receivers recovering from an outage
 * are not hit by every sender at the same instant.
 *
 * @example retryDelayMs(3, { baseMs: 10_000, maxMs: 3_600_000 }) // between 20 000 and 40 000
 */
export function retryDelayMs(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 40);
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(delay / 2 + random() * (delay / 2));
}
