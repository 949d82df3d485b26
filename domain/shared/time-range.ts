/**
 * The one range of times the system accepts, from the API and from the chain: unix seconds
 * 0 … 253402300799, i.e. 1970-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z. Every layer can hold it:
 * JavaScript's Date (±8.64e15 ms), PostgreSQL's timestamptz (4713 BC … 294276 AD) and ISO-8601's
 * four-digit years, which the events' timestamps (and their string order) rely on.
 */
export const MIN_UNIX_SECONDS = 0;
export const MAX_UNIX_SECONDS = 253_402_300_799;
export const MIN_TIME = '1970-01-01T00:00:00Z';
export const MAX_TIME = '9999-12-31T23:59:59.999Z';
const MAX_MS = MAX_UNIX_SECONDS * 1000 + 999;

/** Why a time is refused, naming the range (for validation messages). */
export const TIME_RANGE_MESSAGE = `must lie between ${MIN_TIME} and ${MAX_TIME} (unix seconds ${MIN_UNIX_SECONDS} … ${MAX_UNIX_SECONDS})`;

/** Unix seconds (any integer type) inside the range. */
export function isUnixSecondsInRange(seconds: number | bigint): boolean {
  return typeof seconds === 'bigint'
    ? seconds >= BigInt(MIN_UNIX_SECONDS) && seconds <= BigInt(MAX_UNIX_SECONDS)
    : Number.isInteger(seconds) && seconds >= MIN_UNIX_SECONDS && seconds <= MAX_UNIX_SECONDS;
}

/** An ISO-8601 time (or date) that parses and falls inside the range. */
export function isTimeInRange(iso: string): boolean {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_MS;
}
