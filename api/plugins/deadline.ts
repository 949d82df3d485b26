import fp from 'fastify-plugin';
import { ApiError, DEPENDENCY_UNAVAILABLE } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request was answered 503 at its deadline while its handler may still be running. */
    deadlineExceeded: boolean;
  }
}

/**
 * The overall request deadline (REQUEST_DEADLINE_MS): a request not answered by then is answered
 * 503 DEPENDENCY.UNAVAILABLE with Retry-After, so a slow database makes clients fail fast and
 * retry rather than pile up. The handler is not interrupted (each of its statements is bounded by
 * the statement and query timeouts); the idempotency plugin keeps such a request's claim. WebSocket
 * upgrades (the live feed) have no deadline.
 */
export default fp(
  async (app) => {
    const deadlineMs = app.services.config.REQUEST_DEADLINE_MS;
    const timers = new WeakMap<object, NodeJS.Timeout>();
    app.decorateRequest('deadlineExceeded', false);
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers.upgrade) return;
      const timer = setTimeout(() => {
        if (reply.sent) return;
        request.deadlineExceeded = true;
        reply.send(new ApiError(503, DEPENDENCY_UNAVAILABLE, `no answer within the request deadline of ${deadlineMs} ms: retry later with the same Idempotency-Key`));
      }, deadlineMs);
      timer.unref();
      timers.set(request, timer);
    });
    const clear = async (request: object) => clearTimeout(timers.get(request));
    app.addHook('onResponse', clear);
    app.addHook('onRequestAbort', clear);
  },
  { name: 'deadline', dependencies: ['services', 'error-handler'] },
);
