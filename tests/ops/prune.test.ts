import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keypair } from '@stellar/stellar-sdk';
import t from 'tap';
import { pruneProduction, pruneRuleFor } from '../../ops/prune-production.ts';
import { TEST_CONTRACT_ID, TEST_JWT_SECRET, TEST_SEP10_KEYPAIR } from '../support/app.ts';
import { testDatabase } from '../support/database.ts';

// Every file Node loads (or the code reads) while the app boots, serves and indexes, recorded by
// tests/support/module-recorder.ts in child processes, must survive ops/prune-production.ts.
const root = fileURLToPath(new URL('../..', import.meta.url));
const nodeModules = join(root, 'node_modules');
const recorder = fileURLToPath(new URL('../support/module-recorder.ts', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/stellar/mainnet/rpc-get-transactions.json', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'substream-loaded-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

/** Runs `node --import module-recorder.ts …args` to its end; resolves the recorded files relative to node_modules. */
function recorded(name: string, args: string[], env: NodeJS.ProcessEnv, drive?: (output: () => string) => Promise<void>): Promise<string[]> {
  const out = join(work, `${name}.json`);
  const child = spawn(process.execPath, ['--import', recorder, ...args], { cwd: root, env: { ...process.env, ...env, LOADED_FILES_OUT: out }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return (async () => {
    try {
      await drive?.(() => output);
    } finally {
      if (drive) child.kill('SIGTERM');
    }
    const code = await exited;
    if (code !== 0) throw new Error(`${name} exited ${code}:\n${output}`);
    const files = JSON.parse(readFileSync(out, 'utf8')) as string[];
    return files.map((file) => relative(nodeModules, file)).filter((path) => !path.startsWith('..')).map((path) => path.split(sep).join('/'));
  })();
}

/** Waits for `serve` to log its address, then makes the requests a client and the docs UI make. */
async function driveServe(output: () => string): Promise<void> {
  const until = Date.now() + 30_000;
  let origin: string | undefined;
  while (!origin && Date.now() < until) {
    origin = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output())?.[1];
    if (!origin) await new Promise((done) => setTimeout(done, 100));
  }
  if (!origin) throw new Error(`serve did not start:\n${output()}`);
  const paths = ['/health', '/ready', '/metrics', '/docs/json', '/docs/', '/docs/static/swagger-ui-bundle.js', `/v1/auth?account=${Keypair.random().publicKey()}`];
  for (const path of paths) {
    const response = await fetch(origin + path);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    await response.arrayBuffer();
  }
}

t.test('no file Node loads while the app boots, serves and indexes matches a prune rule', async (t) => {
  const database = await testDatabase(t);
  const env = {
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    API_KEY_PEPPER: 'test-api-key-pepper-at-least-32-characters',
    SEP10_SIGNING_SECRET: TEST_SEP10_KEYPAIR.secret(),
    SUBSTREAM_CONTRACT_ID: TEST_CONTRACT_ID,
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: work,
  };
  const runs = {
    app: await recorded('app', [fileURLToPath(new URL('../support/exercise-app-child.ts', import.meta.url))], {}),
    serve: await recorded('serve', ['bin/substream.ts', 'serve'], env, driveServe),
    replay: await recorded('replay', ['bin/substream.ts', 'replay', '--source', 'archive', '--file', FIXTURE, '--network', 'mainnet', '--json'], env),
  };
  for (const [name, loaded] of Object.entries(runs)) {
    t.ok(loaded.includes('@stellar/stellar-sdk/lib/esm/index.js'), `${name}: our import of the SDK resolves to lib/esm`);
    t.notOk(loaded.some((path) => path.startsWith('@stellar/stellar-sdk/lib/cjs/')), `${name}: nothing requires its cjs build`);
    t.ok(loaded.includes('pg/lib/index.js'), `${name}: loaded the PostgreSQL driver`);
  }
  for (const name of ['app', 'serve'] as const) t.ok(runs[name].some((path) => path.startsWith('@fastify/swagger-ui/static/')), `${name}: the docs UI read its static files`);
  const loaded = [...new Set(Object.values(runs).flat())];
  t.ok(loaded.length > 500, `${loaded.length} dependency files loaded`);
  const pruned = loaded.filter((path) => pruneRuleFor(path)).map((path) => `${path} (${pruneRuleFor(path)!.name})`);
  t.same(pruned, [], 'nothing loaded is pruned');
});

t.test('the rules: what goes and what stays', async (t) => {
  const cases: [string, string | undefined][] = [
    ['zod/v4/core/core.d.cts', 'typescript'],
    ['zod/src/index.ts', 'typescript'],
    ['kysely/dist/index.js.map', 'source-maps'],
    ['fastify/README.md', 'docs'],
    ['@stellar/stellar-sdk/lib/cjs/index.js', 'unreachable-folders'],
    ['@stellar/stellar-sdk/dist/stellar-sdk.min.js', 'unreachable-folders'],
    ['stripe/cjs/stripe.cjs.node.js', 'unreachable-folders'],
    ['axios/dist/node/axios.cjs', 'unreachable-folders'],
    ['bintrees/test/arrtest.js', 'unreachable-folders'],
    ['bintrees/lib/rbtree.js', undefined],
    ['@stellar/js-xdr/LICENSE.md', undefined],
    ['@stellar/stellar-sdk/lib/esm/index.js', undefined],
    ['stripe/esm/stripe.esm.node.js', undefined],
    ['axios/index.js', undefined],
    ['some-dependency/node_modules/axios/dist/node/axios.cjs', undefined],
    ['@fastify/swagger-ui/static/index.html', undefined],
    ['pg/package.json', undefined],
  ];
  for (const [path, rule] of cases) t.equal(pruneRuleFor(path)?.name, rule, `${path}: ${rule ?? 'kept'}`);
});

t.test('pruneProduction deletes the matching files of a tree and keeps the rest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'substream-prune-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  write('stripe/cjs/stripe.cjs.node.js', 'x'.repeat(100));
  write('stripe/esm/stripe.esm.node.js', 'export {};');
  write('pg/lib/index.d.ts', 'x'.repeat(20));
  write('pg/lib/index.js', 'module.exports = {};');
  write('pg/LICENSE.md', 'MIT');
  const result = await pruneProduction(dir);
  t.same(result, { files: 2, bytes: 120, byRule: { 'unreachable-folders': 100, typescript: 20 } });
  for (const gone of ['stripe/cjs/stripe.cjs.node.js', 'pg/lib/index.d.ts']) t.notOk(existsSync(join(dir, gone)), `${gone} deleted`);
  for (const kept of ['stripe/esm/stripe.esm.node.js', 'pg/lib/index.js', 'pg/LICENSE.md']) t.ok(existsSync(join(dir, kept)), `${kept} kept`);
});
