import { createPositionTracker, MIN_POSITION_HEADER, POSITION_HEADER, type PositionTracker } from './consistency.ts';
import { SubstreamApiError } from './errors.ts';
import { retryableStatus, retryDelayMs, retryPolicy, type RetryOptions } from './retry.ts';

/** How the client reaches the API. Give `token` (a SEP-10 or `substream token` JWT) or `apiKey` (sk_…), or neither for public calls. */
export type SubstreamClientOptions = {
  /** The API's origin, e.g. `https://api.example.com` (no `/v1`). */
  baseUrl: string;
  /** Any `fetch` implementation; defaults to the global one. */
  fetch?: typeof fetch;
  /** Retries on network errors, 5xx and 429 (a count, or backoff settings). Default 2. */
  retries?: number | RetryOptions;
} & ({ token?: string; apiKey?: never } | { apiKey?: string; token?: never });

/** Per-call options. */
export interface CallOptions {
  /** The Idempotency-Key of a write; one is generated per call (and reused by its retries) when omitted. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with its parameters already encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** A write the server deduplicates by Idempotency-Key (every write but the SEP-10 token exchange). */
  idempotent?: boolean;
}

export type Transport = <T>(call: Call, options?: CallOptions) => Promise<T>;

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts (at once if it already has). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => (clearTimeout(timer), reject(signal!.reason));
    const timer = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
/** bigint amounts travel as decimal strings, like every amount of the API. */
const json = (body: unknown) => JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));

function urlOf(baseUrl: string, call: Call): string {
  const url = new URL(call.path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
  return url.toString();
}

function apiError(response: Response, text: string): SubstreamApiError {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown; requestId?: unknown };
    if (typeof body.code === 'string' && typeof body.message === 'string') {
      return new SubstreamApiError(response.status, {
        code: body.code,
        message: body.message,
        details: body.details,
        requestId: typeof body.requestId === 'string' ? body.requestId : requestId,
      });
    }
  } catch {
    // not JSON: a proxy or load balancer answered
  }
  return new SubstreamApiError(response.status, { code: `HTTP.${response.status}`, message: text.slice(0, 200) || response.statusText, requestId });
}

/** A 2xx body as JSON (undefined when empty); anything else is `RESPONSE.INVALID`. */
function parsed<T>(response: Response, text: string): T {
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const message = `the API answered ${response.status} with a body that is not JSON: ${text.slice(0, 100)}`;
    throw new SubstreamApiError(response.status, { code: 'RESPONSE.INVALID', message, requestId }, error);
  }
}

/** No answer (connection refused, reset, body cut short): `NETWORK.ERROR`, status 0. */
function networkError(error: unknown): SubstreamApiError {
  const reason = error instanceof Error ? [error.message, (error.cause as Error | undefined)?.message].filter(Boolean).join(': ') : String(error);
  return new SubstreamApiError(0, { code: 'NETWORK.ERROR', message: `the API could not be reached: ${reason}` }, error);
}

const aborted = (error: unknown, signal: AbortSignal | undefined) =>
  signal?.aborted === true || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'));

/**
 * The one place requests are sent: credentials, JSON in and out, the Idempotency-Key of writes
 * (the same on every retry of a call), and bounded retries with backoff that honour Retry-After
 * (reads and keyed writes on network errors, 5xx, 429; other writes on 429 only; never an answer
 * the server replays for the key, `Idempotent-Replayed: true`). Aborting `signal` ends a retry
 * wait at once with the signal's reason. Read your writes: the newest `Substream-Position` any
 * answer carried is kept in `positions` and sent with every read as `Substream-Min-Position`.
 * A 2xx resolves with the parsed body (undefined for 204); anything else throws SubstreamApiError
 * (`NETWORK.ERROR` with no answer, `RESPONSE.INVALID` for a 2xx that is not JSON); only an abort
 * rejects with the signal's reason instead.
 *
 * @example const send = createTransport({ baseUrl, token }); await send({ method: 'GET', path: 'v1/streams' });
 */
export function createTransport(options: SubstreamClientOptions, positions: PositionTracker = createPositionTracker()): Transport {
  const policy = retryPolicy(options.retries);
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const credentials: Record<string, string> = options.token
    ? { authorization: `Bearer ${options.token}` }
    : options.apiKey
      ? { 'x-api-key': options.apiKey }
      : {};

  return async <T>(call: Call, callOptions: CallOptions = {}): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json', ...credentials };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.idempotent) headers['idempotency-key'] = callOptions.idempotencyKey ?? crypto.randomUUID();
    const minPosition = call.method === 'GET' ? positions.latest() : undefined;
    if (minPosition) headers[MIN_POSITION_HEADER] = minPosition;
    const url = urlOf(options.baseUrl, call);
    const body = call.body === undefined ? undefined : json(call.body);
    // A write without an Idempotency-Key may have taken effect before a failure: only a 429
    // (refused before any handler ran) is retried for it.
    const safe = call.method === 'GET' || call.idempotent === true;
    const signal = callOptions.signal;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      let response: Response;
      let text: string;
      try {
        response = await doFetch(url, { method: call.method, headers, body, signal: callOptions.signal ?? null });
        text = await response.text();
      } catch (error) {
        if (aborted(error, callOptions.signal)) throw error;
        if (!safe || attempt >= policy.max) throw networkError(error);
        await sleep(retryDelayMs(policy, attempt + 1, null), signal);
        continue;
      }
      positions.saw(response.headers.get(POSITION_HEADER));
      if (response.ok) return parsed<T>(response, text);
      const error = apiError(response, text);
      // A replayed answer is the key's stored result (a 500 included): sending it again replays it again.
      const replayed = response.headers.get('idempotent-replayed') === 'true';
      const retryable = !replayed && (safe ? retryableStatus(error.status, error.code) : error.status === 429);
      if (attempt >= policy.max || !retryable) throw error;
      await sleep(retryDelayMs(policy, attempt + 1, response.headers.get('retry-after')), signal);
    }
  };
}
