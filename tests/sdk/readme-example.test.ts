import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const ROOT = join(import.meta.dirname, '../..');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

t.test('the README’s SDK example typechecks against the SDK’s source', async (t) => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## SDK\n'), readme.indexOf('\n## ', readme.indexOf('\n## SDK\n') + 1));
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  t.ok(example, 'the SDK section has a TypeScript example');
  t.match(example!, /from '@substream\/sdk'/, 'it imports the package by its name');

  const dir = join(ROOT, 'tests/.artifacts');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'readme-sdk-example.ts');
  await writeFile(file, example!.replace("from '@substream/sdk'", "from '../../sdk/src/index.ts'"));
  const flags = ['--noEmit', '--strict', '--target', 'es2023', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node',
    '--allowImportingTsExtensions', '--noUncheckedIndexedAccess', '--skipLibCheck'];
  const result = await promisify(execFile)(process.execPath, [TSC, ...flags, file], { cwd: ROOT }).then(
    () => ({ code: 0, output: '' }),
    (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
  );
  t.equal(result.code, 0, result.output || 'no type errors');
});
