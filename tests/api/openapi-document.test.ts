import t from 'tap';
import { openApiDocument } from '../../ops/sdk-types.ts';

/** Every `$ref` inside `value`, with the path that holds it. */
function refs(value: unknown, where: string, found: { where: string; ref: string }[] = []): { where: string; ref: string }[] {
  if (Array.isArray(value)) for (const item of value) refs(item, where, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.push({ where, ref: inner });
      else refs(inner, where, found);
    }
  }
  return found;
}

t.test('every $ref of the OpenAPI document resolves to a component schema', async (t) => {
  const doc = await openApiDocument();
  const schemas = new Set(Object.keys(doc.components?.schemas ?? {}));
  const all = [...Object.entries(doc.paths ?? {}).flatMap(([path, item]) => refs(item, path)), ...refs(doc.components, 'components')];
  t.ok(all.length > 50, `the document references its schemas (${all.length} refs)`);
  const dangling = all.filter(({ ref }) => !ref.startsWith('#/components/schemas/') || !schemas.has(ref.slice('#/components/schemas/'.length)));
  t.same(dangling, [], 'no dangling reference (tools such as openapi-typescript refuse them)');
  t.ok(schemas.has('JsonValue'), 'the recursive flag value is a named schema');
});
