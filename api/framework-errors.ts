import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toHttpError } from './errors.ts';

/** The longest URL (path and query) the API reads; longer is 414 REQUEST.URL_TOO_LONG. */
export const MAX_URL_LENGTH = 8_192;

/**
 * Fastify's `frameworkErrors`: errors the router raises before any hook runs, answered in the one
 * error shape — a broken percent-escape is 400 REQUEST.BAD_URL, a path parameter past
 * `maxParamLength` is 414 REQUEST.URL_TOO_LONG.
 *
 * @example Fastify({ frameworkErrors })
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known =
    error.code === 'FST_ERR_BAD_URL'
      ? { status: 400, body: { code: 'REQUEST.BAD_URL', message: 'the URL holds an invalid percent-encoding' } }
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? { status: 414, body: { code: 'REQUEST.URL_TOO_LONG', message: 'a path segment of the URL is too long' } }
        : null;
  const { status, body } = known ?? toHttpError(error);
  request.log.info({ code: body.code, status }, 'request rejected by the router');
  void reply.code(status).header('x-request-id', request.id).send({ ...body, requestId: request.id });
}
