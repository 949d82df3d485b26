/**
 * The introspection surface of the SDK's XDR schemas (`xdr.Foo.schema`, from @stellar/js-xdr 5),
 * restated here so this file depends only on what it reads.
 */
export interface XdrType<_T = unknown> {
  readonly kind: string;
  readonly name: string | undefined;
}
type Arm = { readonly kind: string; readonly name?: string; readonly schema?: XdrType };
type AnySchema =
  | (XdrType & { kind: 'bool' | 'int32' | 'uint32' | 'float' | 'enum' | 'int64' | 'uint64' | 'double' | 'void' })
  | (XdrType & { kind: 'opaque'; length: number })
  | (XdrType & { kind: 'varOpaque' | 'string'; maxLength: number })
  | (XdrType & { kind: 'array'; element: XdrType })
  | (XdrType & { kind: 'fixedArray'; element: XdrType; length: number })
  | (XdrType & { kind: 'option'; element: XdrType })
  | (XdrType & { kind: 'struct'; entries: ReadonlyArray<readonly [string, XdrType]> })
  | (XdrType & { kind: 'union'; cases: ReadonlyArray<{ name: string; discriminant: unknown; arm: Arm }>; defaultArm: Arm | undefined })
  | (XdrType & { kind: 'lazy'; getSchema: () => XdrType });

/** Returns the offset just past one value of a schema starting at `offset`. */
export type Skip = (view: DataView, offset: number) => number;

const compiled = new WeakMap<object, Skip>();
const pad4 = (n: number) => (n + 3) & ~3;

/**
 * A fast skipper compiled from an `@stellar/stellar-sdk` XDR schema (`xdr.Foo.schema`): it moves
 * over a value without building it, which is what makes SEP-54 decoding fast enough (the SDK's
 * full decode of a mainnet ledger takes ~100 ms; skipping what we do not need, ~1 ms).
 * Every schema reachable from the root is compiled once into one generated JavaScript module of
 * straight-line functions (built only from the SDK's schema tree, never from input data), so V8
 * can inline them. Throws RangeError when the buffer ends early (DataView bounds checks).
 */
export function skipperOf(schema: XdrType): Skip {
  const cached = compiled.get(schema);
  if (cached) return cached;
  const fns = generate(schema);
  for (const [target, fn] of fns) if (!compiled.has(target)) compiled.set(target, fn);
  return compiled.get(schema) as Skip;
}

function resolve(schema: XdrType): AnySchema {
  let s = schema as AnySchema;
  while (s.kind === 'lazy') s = s.getSchema() as AnySchema;
  return s;
}

/** Generates skip functions for `root` and every schema it reaches. */
function generate(root: XdrType): Map<XdrType, Skip> {
  const ids = new Map<AnySchema, number>();
  const order: AnySchema[] = [];
  const visit = (schema: XdrType): void => {
    const s = resolve(schema);
    if (ids.has(s)) return;
    ids.set(s, order.length);
    order.push(s);
    for (const child of children(s)) visit(child);
  };
  visit(root);
  const fnOf = (schema: XdrType) => `s${ids.get(resolve(schema))}`;
  const step = (schema: XdrType): string => {
    const size = fixedSize(resolve(schema));
    return size !== undefined ? `o += ${size};` : `o = ${fnOf(schema)}(v, o);`;
  };
  const bodies = order.map((s, id) => `function s${id}(v, o) {\n${body(s, step, fnOf)}\nreturn o;\n}`);
  const source = `${bodies.join('\n')}\nreturn [${order.map((_, id) => `s${id}`).join(', ')}];`;
  const fns = new Function(source)() as Skip[];
  const out = new Map<XdrType, Skip>();
  order.forEach((s, id) => out.set(s, fns[id] as Skip));
  out.set(root, fns[ids.get(resolve(root)) as number] as Skip);
  return out;
}

function children(s: AnySchema): XdrType[] {
  switch (s.kind) {
    case 'array':
    case 'fixedArray':
    case 'option':
      return [s.element];
    case 'struct':
      return s.entries.map(([, field]) => field);
    case 'union':
      return [...s.cases.map((c) => c.arm), ...(s.defaultArm ? [s.defaultArm] : [])].flatMap((arm) =>
        arm.kind === 'field' && arm.schema ? [arm.schema] : [],
      );
    default:
      return [];
  }
}

function body(s: AnySchema, step: (schema: XdrType) => string, fnOf: (schema: XdrType) => string): string {
  const size = fixedSize(s);
  if (size !== undefined) return `o += ${size};`;
  switch (s.kind) {
    case 'varOpaque':
    case 'string':
      return 'o += 4 + ((v.getUint32(o) + 3) & ~3);';
    case 'array': {
      const element = fixedSize(resolve(s.element));
      if (element !== undefined) return `o += 4 + v.getUint32(o) * ${element};`;
      return `let n = v.getUint32(o); o += 4; while (n-- > 0) o = ${fnOf(s.element)}(v, o);`;
    }
    case 'fixedArray':
      return `for (let i = 0; i < ${s.length}; i++) { ${step(s.element)} }`;
    case 'option':
      return `if (v.getUint32(o) === 0) { o += 4; } else { o += 4; ${step(s.element)} }`;
    case 'struct':
      return s.entries.map(([, field]) => step(field)).join('\n');
    case 'union': {
      const arm = (a: Arm) => (a.kind === 'field' && a.schema ? step(a.schema) : '');
      const cases = s.cases.map((c) => `case ${Number(c.discriminant)}: ${arm(c.arm)} break;`);
      const unknown = `throw new RangeError(${JSON.stringify(`${s.name ?? 'union'}: unknown discriminant `)} + d + ' at ' + (o - 4));`;
      const fallback = s.defaultArm ? arm(s.defaultArm) : unknown;
      return `const d = v.getInt32(o); o += 4;\nswitch (d) {\n${cases.join('\n')}\ndefault: ${fallback}\n}`;
    }
    default:
      throw new TypeError(`cannot skip XDR schema kind ${s.kind}`);
  }
}

/** The size of every value of the schema, or undefined when it varies. */
function fixedSize(schema: AnySchema): number | undefined {
  switch (schema.kind) {
    case 'bool':
    case 'int32':
    case 'uint32':
    case 'float':
    case 'enum':
      return 4;
    case 'int64':
    case 'uint64':
    case 'double':
      return 8;
    case 'void':
      return 0;
    case 'opaque':
      return pad4(schema.length);
    case 'fixedArray': {
      const element = fixedSize(schema.element as AnySchema);
      return element === undefined ? undefined : element * schema.length;
    }
    case 'struct': {
      let total = 0;
      for (const [, field] of schema.entries) {
        const size = fixedSize(field as AnySchema);
        if (size === undefined) return undefined;
        total += size;
      }
      return total;
    }
    default:
      return undefined;
  }
}

/** The schema of a struct field or union arm by name, for walkers that read only some fields. */
export function fieldSchema(schema: XdrType, name: string): XdrType {
  const s = schema as AnySchema;
  if (s.kind === 'struct') {
    const entry = s.entries.find(([field]) => field === name);
    if (entry) return entry[1];
  }
  if (s.kind === 'union') {
    for (const c of s.cases) {
      const arm = c.arm;
      if (arm.kind === 'field' && (arm.name === name || c.name === name) && arm.schema) return arm.schema;
    }
  }
  if (s.kind === 'option' || s.kind === 'array') return fieldSchema(s.element, name);
  if (s.kind === 'lazy') return fieldSchema(s.getSchema(), name);
  throw new TypeError(`XDR schema ${s.name ?? s.kind} has no field ${name}`);
}
