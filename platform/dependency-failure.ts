/** Socket errors: the peer (PostgreSQL, Redis) cannot be reached or dropped the connection. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * SQLSTATE classes of a database that is unavailable rather than a request that is wrong:
 * 08 connection exception, 53 insufficient resources (53300 too many connections), 57 operator
 * intervention (57P01 admin shutdown, 57P03 cannot connect now, 57014 statement_timeout).
 */
const SQLSTATE_CLASSES = new Set(['08', '53', '57']);

/** What node-postgres (pg, pg-pool) and ioredis say when the connection, not the query, failed. */
const MESSAGES = [
  /^timeout exceeded when trying to connect/i,
  /^Connection terminated/i,
  /^Query read timeout/i,
  /is not queryable/i,
  /^Connection is closed/i,
  /enableOfflineQueue options is false/i,
];

function failedHere(error: object): boolean {
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && SQLSTATE_CLASSES.has(code.slice(0, 2))))) return true;
  if (name === 'MaxRetriesPerRequestError') return true;
  return typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Whether an error means a dependency (PostgreSQL, Redis) is unavailable, slow or shutting down,
 * so the same request can succeed later: socket errors, pool acquisition and query timeouts,
 * SQLSTATE classes 08, 53 and 57, ioredis giving up. Looks through `cause` and AggregateError.
 *
 * @example isDependencyFailure(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })); // true
 */
export function isDependencyFailure(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  if (failedHere(error)) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isDependencyFailure(inner, depth + 1))) return true;
  return isDependencyFailure((error as { cause?: unknown }).cause, depth + 1);
}
