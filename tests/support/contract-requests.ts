import fc from 'fast-check';
import { hostile, oddString, valueOf, type Schema } from './openapi-arbitraries.ts';

/** One operation of the OpenAPI document. */
export interface Operation {
  method: string;
  path: string;
  parameters: { in: string; name: string; required?: boolean; schema?: Schema }[];
  body: Schema | undefined;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
  /** Which credential the request carries (for reports). */
  auth: string;
}

/** The operations of an OpenAPI 3 document, WebSocket and documentation routes excluded (they are hidden). */
export function operationsOf(doc: { paths?: Record<string, Record<string, unknown>> }): Operation[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item).map(([method, raw]) => {
      const op = raw as { parameters?: Operation['parameters']; requestBody?: { content?: Record<string, { schema?: Schema }> } };
      return { method: method.toUpperCase(), path, parameters: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema };
    }),
  );
}

/** Percent-encodes as a client would; a lone surrogate (which encodeURIComponent refuses) goes as its raw WTF-8 bytes. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return Buffer.from(value, 'utf8').toString('latin1').replace(/[^A-Za-z0-9_.~-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`).replace(/%EF%BF%BD/g, '%ED%A0%80');
  }
}

/** Raw URL pieces no client library would send: broken percent-escapes, overlong forms, huge segments. */
const brokenSegment = fc.constantFrom('%', '%E0%A4%A', '%zz', '%C0%AF', '%ED%A0%80', '%FF', '%2e%2e', '%2F', 'a'.repeat(3_000), `x${'%41'.repeat(3_000)}`);

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined');
/** Header values travel as latin-1 text: anything else is folded to '?'. */
const asHeader = (value: unknown) => asText(value).replace(/[^\x20-\x7e]/g, '?').slice(0, 4_000);

/** Bodies no JSON encoder would produce. */
function rawBodies(): fc.Arbitrary<string> {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  return fc.oneof(
    fc.constantFrom('', '{', '[]', 'null', '"x"', '1e999999', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":1,"a":2}', '\ufeff{}', '{}garbage', deep(65), deepObject(65)),
    fc.integer({ min: 100, max: 100_000 }).map(deep),
    fc.integer({ min: 100, max: 20_000 }).map(deepObject),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
}

/**
 * Requests for one operation: path, query, header and body values derived from its schemas (see
 * valueOf: mostly shaped, sometimes hostile), occasionally broken at the URL or body level, sent
 * with one of the given credentials or none, with or without a JSON content type.
 *
 * @example fc.sample(requestsFor(op, components, { none: {}, wallet: { authorization: 'Bearer …' } }), 5);
 */
export function requestsFor(op: Operation, components: Record<string, Schema>, credentials: Record<string, Record<string, string>>): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const headerParams = op.parameters.filter((p) => p.in === 'header');
  const segment = (schema: Schema | undefined) =>
    fc.oneof({ arbitrary: valueOf(schema ?? { type: 'string' }, components).map((v) => encode(asText(v))), weight: 5 }, { arbitrary: brokenSegment, weight: 1 });
  const path = fc.tuple(...pathParams.map((p) => segment(p.schema))).map((values) => {
    let url = op.path;
    pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, values[i]!)));
    return url;
  });
  const query = fc
    .tuple(...queryParams.map((p) => (p.required ? segment(p.schema).map((v) => [v]) : fc.option(fc.array(segment(p.schema), { minLength: 1, maxLength: 2 }), { nil: undefined }))))
    .map((values) => queryParams.flatMap((p, i) => (values[i] ?? []).map((v) => `${encode(p.name)}=${v}`)).join('&'));
  const headers = fc.record({
    auth: fc.constantFrom(...Object.keys(credentials)),
    contentType: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', null),
    extra: fc.tuple(...headerParams.map((p) => fc.option(valueOf(p.schema ?? { type: 'string' }, components).map(asHeader), { nil: undefined }))),
  });
  const body = op.body
    ? fc.oneof({ arbitrary: valueOf(op.body, components).map((v) => JSON.stringify(v) ?? 'null'), weight: 6 }, { arbitrary: rawBodies(), weight: 1 })
    : fc.option(fc.oneof(hostile.map((v) => JSON.stringify(v) ?? 'null'), rawBodies(), oddString), { nil: undefined, freq: 4 });
  return fc.record({ path, query, headers, body }).map(({ path, query, headers: h, body }) => {
    const sent: Record<string, string> = { ...credentials[h.auth] };
    headerParams.forEach((p, i) => {
      if (h.extra[i] !== undefined) sent[p.name] = h.extra[i]!;
    });
    if (body !== undefined && h.contentType) sent['content-type'] = h.contentType;
    return { method: op.method, url: query ? `${path}?${query}` : path, headers: sent, payload: body, auth: h.auth };
  });
}
