/** When and how long the client waits before sending a request again. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2: three attempts in all). */
  max?: number;
  /** First backoff in ms, doubled each retry with full jitter (default 250). */
  baseDelayMs?: number;
  /** Longest wait in ms, also the cap on `Retry-After` (default 30,000). */
  maxDelayMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

/**
 * The retry policy for a `retries` option (a count or the full options).
 *
 * @example retryPolicy(5); // { max: 5, baseDelayMs: 250, maxDelayMs: 30000 }
 */
export function retryPolicy(retries: number | RetryOptions | undefined): RetryPolicy {
  const options = typeof retries === 'number' ? { max: retries } : (retries ?? {});
  return { max: options.max ?? 2, baseDelayMs: options.baseDelayMs ?? 250, maxDelayMs: options.maxDelayMs ?? 30_000 };
}

/**
 * Whether an answer is worth sending again: 429, any 5xx, 409 IDEMPOTENCY.IN_PROGRESS (the first
 * attempt with the same key is still running on the server) and 409 CONCURRENCY.CONFLICT (another
 * write to the same stream won the race; the server stores no answer for it under the key, so the
 * retry reads the stream again and decides afresh).
 *
 * @example retryableStatus(503, undefined); // true
 */
export function retryableStatus(status: number, code: string | undefined): boolean {
  return status === 429 || status >= 500 || (status === 409 && (code === 'IDEMPOTENCY.IN_PROGRESS' || code === 'CONCURRENCY.CONFLICT'));
}

/**
 * The wait before retry number `attempt` (1-based): the server's `Retry-After` (seconds or an
 * HTTP date) when given, else exponential backoff with full jitter; never above `maxDelayMs`.
 *
 * @example retryDelayMs(retryPolicy(2), 1, '3'); // 3000
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfter: string | null, now = Date.now()): number {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), policy.maxDelayMs);
  }
  return Math.random() * Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
}
