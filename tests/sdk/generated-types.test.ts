import { readFile } from 'node:fs/promises';
import t from 'tap';
import { SDK_TYPES_PATH, sdkTypesSource } from '../../ops/sdk-types.ts';

t.test('the SDK’s generated types match the server’s OpenAPI document (run `npm run sdk:types` when this fails)', async (t) => {
  const checkedIn = await readFile(SDK_TYPES_PATH, 'utf8');
  const regenerated = await sdkTypesSource();
  t.ok(regenerated.includes('"/v1/streams/{id}"') && regenerated.includes('"/v1/invoice-links/{slug}"'), 'the generator saw the stream and invoice-link routes');
  t.notOk(regenerated.includes('"/v1/admin/config/flags/{flagName}"'), 'operators’ routes stay out of the SDK');
  t.equal(checkedIn, regenerated, 'sdk/src/generated/openapi.ts is up to date');
});
