import { setTimeout as sleep } from 'node:timers/promises';
import { SourceUnavailable, SourceUnreachable } from './types.ts';

/** What a retention error tells the user: the data lake reaches older history. */
export const DATALAKE_HINT =
  'use the SEP-54 data lake for older history (`--source datalake --datalake s3://bucket/prefix|DIR`)';

export interface RetryOptions {
  /** Attempts in all, the first included (default 6). */
  attempts?: number;
  /** First backoff in ms (default 250); doubles each attempt, full jitter, capped at `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface RpcClientOptions extends RetryOptions {
  /** Per-request timeout in ms (default 30,000). */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** A JSON-RPC error object returned by the server (not retried: the request itself is wrong). */
export class RpcError extends Error {
  override name = 'RpcError';
  readonly code: number;
  readonly data: unknown;
  constructor(method: string, code: number, message: string, data?: unknown) {
    super(`${method}: RPC error ${code}: ${message}`);
    this.code = code;
    this.data = data;
  }
}

export interface RpcClient {
  readonly url: string;
  call<T>(method: string, params?: unknown, signal?: AbortSignal): Promise<T>;
}

/**
 * A Stellar RPC JSON-RPC 2.0 client over `fetch`. 429, 5xx and network errors are retried with
 * full-jitter exponential backoff, honouring `Retry-After`; after the last attempt it throws
 * `SourceUnreachable` (an outage: follow mode waits it out). JSON-RPC error objects throw
 * `RpcError` at once.
 *
 * @example
 * const rpc = createRpcClient('https://soroban-testnet.stellar.org');
 * const { sequence } = await rpc.call<{ sequence: number }>('getLatestLedger');
 */
export function createRpcClient(url: string, options: RpcClientOptions = {}): RpcClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  let nextId = 1;
  return {
    url,
    async call<T>(method: string, params?: unknown, signal?: AbortSignal): Promise<T> {
      const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params });
      return withRetries(`${method} at ${url}`, options, signal, async () => {
        const timeout = AbortSignal.timeout(timeoutMs);
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        if (response.status === 429 || response.status >= 500) {
          await response.body?.cancel();
          return { retry: true, status: response.status, retryAfter: response.headers.get('retry-after') };
        }
        if (!response.ok) {
          const text = await response.text();
          throw new SourceUnavailable(`${method} at ${url}: HTTP ${response.status} ${text.slice(0, 200)}`);
        }
        const json = (await response.json()) as { result?: T; error?: { code: number; message: string; data?: unknown } };
        if (json.error) throw new RpcError(method, json.error.code, json.error.message, json.error.data);
        return { retry: false, value: json.result as T };
      });
    },
  };
}

type Attempt<T> =
  | { retry: false; value: T }
  | { retry: true; status: number; retryAfter: string | null };

/**
 * Runs `attempt` until it succeeds, retrying retryable HTTP statuses and network errors
 * (`TypeError` from fetch, timeouts) with jittered exponential backoff. Shared by the HTTP sources.
 */
export async function withRetries<T>(
  what: string,
  options: RetryOptions,
  signal: AbortSignal | undefined,
  attempt: () => Promise<Attempt<T>>,
): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 30_000;
  let lastProblem = '';
  for (let i = 0; i < attempts; i++) {
    let retryAfterMs: number | undefined;
    try {
      const outcome = await attempt();
      if (!outcome.retry) return outcome.value;
      lastProblem = `HTTP ${outcome.status}`;
      retryAfterMs = parseRetryAfter(outcome.retryAfter);
    } catch (error) {
      if (signal?.aborted || !isNetworkError(error)) throw error;
      lastProblem = (error as Error).message;
    }
    if (i === attempts - 1) break;
    const backoff = Math.random() * Math.min(max, base * 2 ** i);
    await sleep(Math.min(max, retryAfterMs ?? backoff), undefined, { signal });
  }
  throw new SourceUnreachable(`${what}: gave up after ${attempts} attempts (last: ${lastProblem})`);
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof RpcError || error instanceof SourceUnavailable) return false;
  return error.name === 'TypeError' || error.name === 'TimeoutError' || 'code' in error;
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
