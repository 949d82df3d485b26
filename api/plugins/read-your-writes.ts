import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { comparePositions } from '../../eventstore/log-position.ts';
import { observeAppends } from '../../eventstore/observe-appends.ts';
import type { LogPosition } from '../../eventstore/types.ts';
import { createCheckpointWatch, type CheckpointWatch } from '../../platform/checkpoint-watch.ts';
import type { Db } from '../../platform/database.ts';
import { decodePosition, encodePosition, MIN_POSITION_HEADER, MIN_POSITION_QUERY, POSITION_HEADER } from '../consistency/position-token.ts';
import { ApiError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Waits for read models to pass a log position (one LISTEN and one shared poll per instance). */
    checkpointWatch: CheckpointWatch;
  }
}

/** What one request appended: the position of its last committed event. */
interface Appended {
  position: LogPosition | null;
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/** The token a query was sent, from the header or `?minPosition=` (the header wins), or undefined. */
function minPositionOf(request: FastifyRequest): string | undefined {
  const header = request.headers[MIN_POSITION_HEADER];
  if (typeof header === 'string') return header;
  if (Array.isArray(header)) throw new ApiError(400, 'CONSISTENCY.INVALID_POSITION', `send ${MIN_POSITION_HEADER} once`);
  const search = request.url.indexOf('?');
  if (search < 0) return undefined;
  const values = new URLSearchParams(request.url.slice(search + 1)).getAll(MIN_POSITION_QUERY);
  if (values.length > 1) throw new ApiError(400, 'CONSISTENCY.INVALID_POSITION', `send ?${MIN_POSITION_QUERY}= once`);
  return values[0];
}

/** The position of the newest committed event, or null for an empty log. */
async function logEnd(db: Db): Promise<LogPosition | null> {
  const { rows } = await sql<{ commit: string; prepare: string }>`
    select transaction_id::text as commit, global_position::text as prepare from events
    order by transaction_id desc, global_position desc limit 1`.execute(db);
  return rows[0] ? { commit: BigInt(rows[0].commit), prepare: BigInt(rows[0].prepare) } : null;
}

/**
 * Read your writes. A write that appended events answers with `Substream-Position`, the log
 * position its last event committed at (a token); a replay under its Idempotency-Key answers with
 * the log's end instead (its events are before it). A query whose policy declares `reads` and that
 * is sent `Substream-Min-Position` (or `?minPosition=`) waits until those read models' checkpoints
 * have passed the token, at most READ_YOUR_WRITES_TIMEOUT_MS, then answers; past the bound it is
 * 503 READ_MODEL.BEHIND with Retry-After and, per model, its checkpoint and the events it still
 * has to absorb. A malformed token is 400 CONSISTENCY.INVALID_POSITION. Without a token nothing
 * changes. The request's appends are heard through an AsyncLocalStorage around the request and a
 * wrapper of `app.services.eventStore`: register after log-signal (which wraps it too).
 */
export default fp(
  async (app) => {
    const { READ_YOUR_WRITES_TIMEOUT_MS, READ_YOUR_WRITES_POLL_MS } = app.services.config;
    const watch = createCheckpointWatch(app.services.db, {
      pollIntervalMs: READ_YOUR_WRITES_POLL_MS,
      onError: (error) => app.log.warn({ err: error }, 'read-your-writes: checkpoint watch error'),
    });
    app.decorate('checkpointWatch', watch);
    app.addHook('onClose', () => watch.close());

    const current = new AsyncLocalStorage<Appended>();
    const appendedBy = new WeakMap<FastifyRequest, Appended>();
    const resources = new WeakMap<FastifyRequest, AsyncResource>();
    app.services.eventStore = observeAppends(app.services.eventStore, (position) => {
      const appended = current.getStore();
      if (appended && (!appended.position || comparePositions(position, appended.position) > 0)) appended.position = position;
    });

    // The body is read between onRequest and preValidation, on the socket's context: enter the request's again after it.
    app.addHook('onRequest', (request, _reply, done) => {
      const appended: Appended = { position: null };
      appendedBy.set(request, appended);
      current.run(appended, () => {
        const resource = new AsyncResource('substream-request');
        resources.set(request, resource);
        resource.runInAsyncScope(done);
      });
    });
    app.addHook('preValidation', (request, _reply, done) => {
      const resource = resources.get(request);
      if (resource) resource.runInAsyncScope(done);
      else done();
    });

    app.addHook('preHandler', async (request, reply) => {
      const reads = request.routeOptions.config.policy?.reads;
      if (!reads) return;
      const token = minPositionOf(request);
      if (token === undefined) return;
      const position = decodePosition(token);
      const behind = await watch.waitPast(reads, position, READ_YOUR_WRITES_TIMEOUT_MS);
      if (behind.length === 0) return;
      reply.header('retry-after', '1');
      throw new ApiError(503, 'READ_MODEL.BEHIND', `the read models of this query have not reached ${MIN_POSITION_HEADER} within ${READ_YOUR_WRITES_TIMEOUT_MS} ms: retry`, {
        position: token,
        behind: behind.map((model) => ({ readModel: model.readModel, position: model.position && encodePosition(model.position), events: model.events })),
      });
    });

    app.addHook('onSend', async (request, reply, payload) => {
      if (READ_METHODS.has(request.method) || reply.statusCode >= 300) return payload;
      let position = appendedBy.get(request)?.position ?? null;
      if (!position && reply.getHeader('idempotent-replayed') === 'true') {
        position = await logEnd(app.services.db).catch((error: Error) => (request.log.warn({ err: error }, 'read-your-writes: no log end for a replay'), null));
      }
      if (position) reply.header(POSITION_HEADER, encodePosition(position));
      return payload;
    });
  },
  { name: 'read-your-writes', dependencies: ['services', 'log-signal'] },
);
