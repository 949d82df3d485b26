import fp from 'fastify-plugin';
import { ApiError } from '../errors.ts';

/** The deepest JSON body (arrays and objects nested) the API parses. */
export const MAX_BODY_DEPTH = 64;

/** Whether a parsed JSON value nests arrays or objects deeper than `max` (iterative: any depth is safe to ask). */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const inner of Array.isArray(node) ? node : Object.values(node)) if (inner !== null && typeof inner === 'object') stack.push([inner, depth + 1]);
  }
  return false;
}

/**
 * The JSON body parser: Fastify's own (prototype-poisoning checks included), then a depth limit,
 * so no schema, idempotency fingerprint or recursive walk ever meets a body nested past 64
 * levels: 400 REQUEST.BODY_TOO_DEEP.
 *
 * @example await app.register(jsonBody);
 */
export default fp(
  async (app) => {
    const parse = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      parse(request, body as string, (error, value) => {
        if (error) return done(error, undefined);
        if (deeperThan(value, MAX_BODY_DEPTH)) return done(new ApiError(400, 'REQUEST.BODY_TOO_DEEP', `the JSON body nests deeper than ${MAX_BODY_DEPTH} levels`), undefined);
        done(null, value);
      });
    });
  },
  { name: 'json-body' },
);
