import fc from 'fast-check';

/** A JSON Schema node as @fastify/swagger emits it (OpenAPI 3.1). */
export type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
};

/** Strings that break naive code: lone surrogates, NUL, control and bidi characters, huge, numeric. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\u202e\u2066rtl', '\u200b\ufeff', '😀'.repeat(40), 'ǅ\u0301\u0308',
    '%', '%zz', '%E0%A4%A', '..', '../../etc/passwd', '\\', '"', "'; drop table events; --", '${x}', '{{x}}', '<script>',
    'null', 'true', '-0', 'NaN', 'Infinity', '1e309', '-1', '99999999999999999999999999999999999999999', '0x10',
    '2026-02-30T25:61:61Z', '0000-01-01T00:00:00Z', '275760-09-13T00:00:00.001Z',
    'GCEZWKCA5VLDNRLN3RPRJMRZOX3Z6G5CHCGSNFHEYVXM3XOJMDS674JA', 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA',
    '00000000-0000-0000-0000-000000000000', 'sk_test_' + '1'.repeat(44),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 20 }),
  fc.integer({ min: 257, max: 20_000 }).map((n) => 'a'.repeat(n)),
);

/** Numbers past every boundary a schema states: huge, negative, fractional, unsafe integers. */
export const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -1, 1.5, -0, 2 ** 31, 2 ** 53 + 2, -(2 ** 53) - 2, 1e21, 1e308, -1e308, Number.MIN_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, including nested ones. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, [[[]]], { a: { b: { c: {} } } }),
  oddNumber,
  oddString,
  fc.jsonValue({ maxDepth: 3 }),
);

/** A value of the wrong kind for a node (or any odd value). */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(anyJson, oddString, oddNumber);

function resolve(schema: Schema, components: Record<string, Schema>): Schema {
  let node = schema;
  for (let hops = 0; node.$ref && hops < 10; hops += 1) node = components[node.$ref.replace('#/components/schemas/', '')] ?? {};
  return node;
}

function stringOf(node: Schema): fc.Arbitrary<string> {
  const min = node.minLength ?? 0;
  const max = Math.min(node.maxLength ?? 64, 300);
  const boundaries = [min > 0 ? 'x'.repeat(min - 1) : null, 'x'.repeat(min), 'x'.repeat(max), 'x'.repeat(max + 1)].filter((s): s is string => s !== null);
  const shaped: fc.Arbitrary<string>[] = [fc.string({ minLength: min, maxLength: Math.max(min, max) }), fc.constantFrom(...boundaries)];
  if (node.pattern) {
    try {
      shaped.push(fc.stringMatching(new RegExp(node.pattern)).filter((s) => s.length <= 2_000));
    } catch {
      // A pattern JavaScript cannot compile: the other generators still cover the field.
    }
  }
  if (node.format === 'uuid') shaped.push(fc.uuid());
  if (node.format === 'date-time') shaped.push(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
  if (node.format === 'uri') shaped.push(fc.webUrl());
  return fc.oneof(...shaped);
}

/**
 * Values for a JSON Schema node: mostly of its shape (within and just past its stated bounds),
 * with every node, at any depth, sometimes replaced by a hostile value or (for object
 * properties) left out, so a single generated request mixes valid and malformed parts.
 *
 * @example fc.sample(valueOf(doc.components.schemas.ContentInput, doc.components.schemas), 3);
 */
export function valueOf(schema: Schema, components: Record<string, Schema>, depth = 0): fc.Arbitrary<unknown> {
  const node = resolve(schema, components);
  const shaped = depth > 6 ? anyJson : shapedOf(node, components, depth);
  return fc.oneof({ arbitrary: shaped, weight: 5 }, { arbitrary: hostile, weight: 1 });
}

function shapedOf(node: Schema, components: Record<string, Schema>, depth: number): fc.Arbitrary<unknown> {
  if (node.const !== undefined) return fc.constant(node.const);
  if (node.enum) return fc.constantFrom(...node.enum);
  const alternatives = node.anyOf ?? node.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((alt) => valueOf(alt, components, depth + 1)));
  if (node.allOf?.length) return valueOf(node.allOf[0]!, components, depth + 1);
  const type = Array.isArray(node.type) ? node.type.find((t) => t !== 'null') : node.type;
  switch (type) {
    case 'string':
      return stringOf(node);
    case 'integer':
    case 'number': {
      const min = node.minimum ?? -1_000_000;
      const max = node.maximum ?? 1_000_000;
      return fc.oneof(fc.integer({ min: Math.ceil(Math.max(min, -(2 ** 31))), max: Math.floor(Math.min(max, 2 ** 31)) }), fc.constantFrom(min - 1, min, max, max + 1));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const item = node.items ? valueOf(node.items, components, depth + 1) : anyJson;
      return fc.array(item, { minLength: 0, maxLength: Math.min((node.maxItems ?? 4) + 1, 6) });
    }
    case 'object':
    default: {
      if (!node.properties) return anyJson;
      const required = new Set(node.required ?? []);
      const fields = Object.fromEntries(Object.entries(node.properties).map(([key, inner]) => [key, valueOf(inner, components, depth + 1)]));
      const keys = Object.keys(fields);
      return fc.record(fields, { requiredKeys: keys.filter((k) => required.has(k)) }).chain((value) =>
        // Sometimes drop a required property or add an unknown one.
        fc.oneof(
          { arbitrary: fc.constant(value), weight: 6 },
          { arbitrary: fc.constantFrom(...(keys.length ? keys : [''])).map((k) => Object.fromEntries(Object.entries(value as object).filter(([key]) => key !== k))), weight: 1 },
          { arbitrary: fc.tuple(oddString, hostile).map(([k, v]) => ({ ...(value as object), [k]: v })), weight: 1 },
        ),
      );
    }
  }
}
