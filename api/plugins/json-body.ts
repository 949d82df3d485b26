import fp from 'fastify-plugin';
import { ApiError } from '../errors.ts';

/** The deepest JSON body (arrays and objects nested) the API parses. */
export const MAX_BODY_DEPTH = 64;

/**
 * What makes a parsed JSON value unfit to store, if anything: arrays and objects nested deeper
 * than `max`, or a string (value or key) holding a lone UTF-16 surrogate, which has no UTF-8 form
 * (encrypting or storing it would silently turn it into U+FFFD). Iterative: any depth is safe to ask.
 */
function bodyProblem(value: unknown, max: number): ApiError | null {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node === 'string') {
      if (!node.isWellFormed()) return new ApiError(400, 'VALIDATION.FAILED', 'the JSON body holds a lone UTF-16 surrogate (\\uD800-\\uDFFF unpaired), which has no UTF-8 form');
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return new ApiError(400, 'REQUEST.BODY_TOO_DEEP', `the JSON body nests deeper than ${max} levels`);
    if (!Array.isArray(node)) for (const key of Object.keys(node)) stack.push([key, depth]);
    for (const inner of Array.isArray(node) ? node : Object.values(node)) stack.push([inner, depth + 1]);
  }
  return null;
}

/**
 * The JSON body parser: Fastify's own (prototype-poisoning checks included), then a depth limit,
 * so no schema, idempotency fingerprint or recursive walk ever meets a body nested past 64
 * levels (400 REQUEST.BODY_TOO_DEEP), and no lone surrogate reaches a handler (400
 * VALIDATION.FAILED): every string the API stores, sealed or not, has an exact UTF-8 form.
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
        const problem = bodyProblem(value, MAX_BODY_DEPTH);
        if (problem) return done(problem, undefined);
        done(null, value);
      });
    });
  },
  { name: 'json-body' },
);
