import fp from 'fastify-plugin';
import { ApiError, toHttpError } from '../errors.ts';

/** One root error handler and not-found handler: every error leaves in the same JSON shape. */
export default fp(
  async (app) => {
    app.setErrorHandler((error, request, reply) => {
      const { status, body } = toHttpError(error);
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ code: body.code, status }, 'request rejected');
      if (status === 429 && typeof (error as { retryAfter?: unknown }).retryAfter === 'number') {
        reply.header('retry-after', String((error as { retryAfter: number }).retryAfter));
      }
      return reply.code(status).send({ ...body, requestId: request.id });
    });
    // A NUL can reach no column or setting: refuse it in any path or query value before a route sees it.
    app.addHook('onRequest', async (request) => {
      if (/%00/i.test(request.url)) throw new ApiError(400, 'VALIDATION.FAILED', 'the URL holds a NUL character (%00)');
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ code: 'ROUTE.NOT_FOUND', message: `no route ${request.method} ${request.url}`, requestId: request.id }),
    );
  },
  { name: 'error-handler' },
);
