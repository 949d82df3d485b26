import { createHash, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { isDependencyFailure } from '../../platform/dependency-failure.ts';
import type { Principal } from '../auth/principal.ts';
import { ApiError, DEPENDENCY_UNAVAILABLE, toHttpError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The claimed key, and the attempt id its command's events carry (minted by the server for the
     * claim, kept by every take-over of it: how a retry recognises its committed first try).
     */
    idempotency: { principal: string; key: string; attemptId: string } | null;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What a repeat of a request whose answer is never kept (route policy `replay: 'never'`) gets, naming the first request. */
const notReplayable = (requestId: string) => JSON.stringify({
  code: 'IDEMPOTENCY.NOT_REPLAYABLE',
  message: 'the first request with this Idempotency-Key succeeded; its answer held a secret shown once and is not kept: list the resource to find it',
  requestId,
});

/**
 * The namespace of a principal's Idempotency-Keys: its subject, the tenant it acts for and the API
 * key it used, so one subject acting for two tenants (or two keys) never shares stored answers.
 */
function claimNamespace(principal: Principal): string {
  return [principal.address, principal.tenant ?? '', principal.apiKeyId ?? ''].join('|');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256').update(`${request.method} ${request.url}\n${canonical(request.body ?? null)}`).digest('hex');
}

/** The `code` of an error body, or undefined when the payload is not one. */
function errorCode(payload: string): string | undefined {
  try {
    const code = (JSON.parse(payload) as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a response means the endpoint never began executing, so that (as Stripe does) nothing is
 * stored under the key and a retry with it runs again: 400 VALIDATION.FAILED (the request's
 * values were refused), 409 CONCURRENCY.CONFLICT (a concurrent write took the revision; nothing
 * was appended), 429 (throttled) and 503 DEPENDENCY.UNAVAILABLE (the database or Redis failed:
 * whether an append committed is unknown, so the retry runs under the same correlation id and
 * recognises it). Every other answer, 500s included, is the key's result.
 *
 * @example notStarted(409, '{"code":"CONCURRENCY.CONFLICT","message":"…"}'); // true
 * @example notStarted(422, '{"code":"CREATOR.ALREADY_REGISTERED","message":"…"}'); // false
 */
export function notStarted(statusCode: number, payload: string): boolean {
  if (statusCode === 429) return true;
  if (statusCode === 503) return errorCode(payload) === DEPENDENCY_UNAVAILABLE;
  if (statusCode === 400) return errorCode(payload) === 'VALIDATION.FAILED';
  if (statusCode === 409) return errorCode(payload) === 'CONCURRENCY.CONFLICT';
  return false;
}

/**
 * Idempotency-Key on writes, with Stripe's semantics: the first response of a request that began
 * executing (status and body, errors and 500s included) is stored; the same key and body within
 * IDEMPOTENCY_RETENTION_HOURS (24 h; past it `runIdempotencySweeper` deletes the record) get it
 * again (`Idempotent-Replayed: true`); the same key with another body is 422
 * IDEMPOTENCY.KEY_REUSED; a retry while the first is still running is 409 IDEMPOTENCY.IN_PROGRESS.
 * The key is claimed in preHandler, after auth, rate limiting and schema validation, so their
 * refusals store nothing; a claimed request whose answer is `notStarted` releases the claim
 * instead of storing it, so the same key can be retried.
 *
 * Dependency failures: a 503 DEPENDENCY.UNAVAILABLE releases the claim for take-over (the retry
 * keeps the claim's correlation id, so a command whose append committed before the failure is
 * recognised, see decideAndAppend). A claim that could not be released (the database is down),
 * or whose request passed its deadline with the handler still running, is held for twice
 * REQUEST_DEADLINE_MS and then taken over. A response that could not be stored becomes a 503 too.
 */
export default fp(
  async (app) => {
    const { REQUEST_DEADLINE_MS, DEPENDENCY_RETRY_AFTER_SECONDS, IDEMPOTENCY_RETENTION_HOURS } = app.services.config;
    const keptFor = `${IDEMPOTENCY_RETENTION_HOURS} hours`;
    const lease = `${2 * REQUEST_DEADLINE_MS} milliseconds`;
    app.decorateRequest('idempotency', null);

    app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !WRITES.has(request.method) || !request.principal) return;
      if (key.length === 0 || key.length > 255) throw new ApiError(400, 'IDEMPOTENCY.INVALID_KEY', 'Idempotency-Key must be 1-255 characters');
      const principal = claimNamespace(request.principal);
      const hash = requestHash(request);
      const { db } = app.services;
      const claimed = await sql<{ correlation_id: string }>`
        insert into idempotency_keys (principal, key, request_hash, method, path, correlation_id)
        values (${principal}, ${key}, ${hash}, ${request.method}, ${request.url}, ${randomUUID()})
        on conflict (principal, key) do update
          set request_hash = excluded.request_hash, method = excluded.method, path = excluded.path,
              created_at = now(), status_code = null, response_body = null, completed_at = null,
              correlation_id = case when idempotency_keys.status_code is null and idempotency_keys.request_hash = excluded.request_hash
                                    then coalesce(idempotency_keys.correlation_id, excluded.correlation_id)
                                    else excluded.correlation_id end
          where idempotency_keys.created_at < now() - ${keptFor}::interval
             or (idempotency_keys.status_code is null and idempotency_keys.created_at < now() - ${lease}::interval
                 and idempotency_keys.request_hash = excluded.request_hash)
        returning correlation_id`.execute(db);
      if (claimed.rows.length > 0) {
        request.idempotency = { principal, key, attemptId: claimed.rows[0]!.correlation_id };
        return;
      }
      const stored = await db.selectFrom('idempotency_keys').selectAll().where('principal', '=', principal).where('key', '=', key).executeTakeFirstOrThrow();
      if (stored.request_hash !== hash) {
        throw new ApiError(422, 'IDEMPOTENCY.KEY_REUSED', 'this Idempotency-Key was used with a different request', {
          firstRequest: `${stored.method} ${stored.path}`,
        });
      }
      if (stored.status_code === null) throw new ApiError(409, 'IDEMPOTENCY.IN_PROGRESS', 'the first request with this key is still running');
      return reply
        .code(stored.status_code)
        .header('idempotent-replayed', 'true')
        .header('content-type', 'application/json; charset=utf-8')
        .serializer((payload: unknown) => payload as string)
        .send(stored.response_body);
    });

    app.addHook('onSend', async (request, reply, payload) => {
      if (!request.idempotency || typeof payload !== 'string') return payload;
      const { principal, key } = request.idempotency;
      const { db } = app.services;
      const claim = db.updateTable('idempotency_keys').where('principal', '=', principal).where('key', '=', key).where('status_code', 'is', null);
      try {
        if (reply.statusCode === 503 && notStarted(reply.statusCode, payload)) {
          // At the deadline the handler may still append: its claim is held until the lease ends.
          if (!request.deadlineExceeded) await claim.set({ created_at: sql<Date>`now() - ${lease}::interval` }).execute();
        } else if (notStarted(reply.statusCode, payload)) {
          await db.deleteFrom('idempotency_keys').where('principal', '=', principal).where('key', '=', key).where('status_code', 'is', null).execute();
        } else if (reply.statusCode < 300 && request.routeOptions.config.policy?.replay === 'never') {
          // The answer holds a secret shown once (a new API key): it is not kept, a repeat is told so.
          await claim.set({ status_code: 409, response_body: notReplayable(request.id), completed_at: new Date() }).execute();
        } else {
          await claim.set({ status_code: reply.statusCode, response_body: payload, completed_at: new Date() }).execute();
        }
        return payload;
      } catch (error) {
        if (!isDependencyFailure(error)) throw error;
        request.log.warn({ err: error, key }, 'the Idempotency-Key claim could not be released or completed: it is taken over after its lease');
        if (reply.statusCode === 503) return payload;
        const { body } = toHttpError(error);
        reply.code(503).header('retry-after', String(DEPENDENCY_RETRY_AFTER_SECONDS));
        return JSON.stringify({ ...body, requestId: request.id });
      }
    });
  },
  { name: 'idempotency', dependencies: ['services', 'auth', 'deadline'] },
);
