import fp from 'fastify-plugin';
import { ApiError, DEPENDENCY_UNAVAILABLE, toHttpError } from '../errors.ts';
import { MAX_URL_LENGTH } from '../framework-errors.ts';

/**
 * One root error handler and not-found handler: every error leaves in the same JSON shape. A
 * dependency failure is 503 DEPENDENCY.UNAVAILABLE with Retry-After (DEPENDENCY_RETRY_AFTER_SECONDS),
 * logged as a warning and counted; other 5xx are logged as errors.
 */
export default fp(
  async (app) => {
    const retryAfter = String(app.services.config.DEPENDENCY_RETRY_AFTER_SECONDS);
    app.setErrorHandler((error, request, reply) => {
      const { status, body } = toHttpError(error);
      if (body.code === DEPENDENCY_UNAVAILABLE) {
        request.log.warn({ err: error }, 'dependency unavailable');
        reply.header('retry-after', retryAfter);
      } else if (status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ code: body.code, status }, 'request rejected');
      if (status === 429 && typeof (error as { retryAfter?: unknown }).retryAfter === 'number') {
        reply.header('retry-after', String((error as { retryAfter: number }).retryAfter));
      }
      return reply.code(status).send({ ...body, requestId: request.id });
    });
    // A URL past MAX_URL_LENGTH is refused unread; a NUL can reach no column or setting: refuse it in any path or query value before a route sees it.
    app.addHook('onRequest', async (request) => {
      if (request.url.length > MAX_URL_LENGTH) throw new ApiError(414, 'REQUEST.URL_TOO_LONG', `the URL is longer than ${MAX_URL_LENGTH} characters`);
      if (/%00/i.test(request.url)) throw new ApiError(400, 'VALIDATION.FAILED', 'the URL holds a NUL character (%00)');
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ code: 'ROUTE.NOT_FOUND', message: `no route ${request.method} ${request.url}`, requestId: request.id }),
    );
  },
  { name: 'error-handler', dependencies: ['services'] },
);
