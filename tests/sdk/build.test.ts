import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { randomAccount, testApp } from '../support/app.ts';
import { listen } from '../support/listening-app.ts';

const run = promisify(execFile);
const SDK = join(import.meta.dirname, '../../sdk');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

t.test('the package builds with its own tsconfig to ESM .js + .d.ts that import nothing but themselves, and the build works', async (t) => {
  const manifest = JSON.parse(await readFile(join(SDK, 'package.json'), 'utf8'));
  t.equal(manifest.name, '@substream/sdk');
  t.equal(manifest.type, 'module');
  t.equal(manifest.dependencies, undefined, 'no runtime dependencies');
  t.same(manifest.exports['.'], { types: './dist/index.d.ts', import: './dist/index.js' });
  t.equal(manifest.scripts.build, 'tsc -p tsconfig.json');

  const out = await mkdtemp(join(tmpdir(), 'substream-sdk-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  await run(process.execPath, [TSC, '-p', join(SDK, 'tsconfig.json'), '--outDir', out]);
  const files = await readdir(out, { recursive: true });
  for (const file of ['index.js', 'index.d.ts', 'client.js', 'generated/openapi.d.ts']) t.ok(files.includes(file), `emits ${file}`);
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const source = await readFile(join(out, file), 'utf8');
    const specifiers = [...source.matchAll(/from\s+["']([^"']+)["']/g)].map((m) => m[1]!);
    t.ok(specifiers.every((s) => s.startsWith('./') && s.endsWith('.js')), `${file} imports only its siblings, as .js`);
  }

  // As in the published package (`"type": "module"`): without it Node would guess each file's module
  // type, and under the test runner's loader hooks the guess can load a file through require().
  await writeFile(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  const built = (await import(pathToFileURL(join(out, 'index.js')).href)) as typeof import('../../sdk/src/index.ts');
  const harness = await testApp(t);
  const client = new built.SubstreamClient({ baseUrl: await listen(harness.app), token: await harness.token(randomAccount()) });
  t.same(await client.listMySubscriptions(), [], 'the built client talks to the real server');
  const error = await client.getCreator(randomAccount()).then(() => null, (e: unknown) => e);
  t.ok(error instanceof built.SubstreamApiError, 'errors are the built SubstreamApiError');
  t.match(error, { status: 404, code: 'CREATOR.NOT_FOUND' });
});
