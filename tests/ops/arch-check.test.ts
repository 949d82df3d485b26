import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

const script = new URL('../../ops/arch-check.ts', import.meta.url).pathname;

function check(root?: string) {
  return spawnSync(process.execPath, [script], { env: { ...process.env, ...(root ? { ARCH_ROOT: root } : {}) }, encoding: 'utf8' });
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'arch-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

t.test('the repository passes', async (t) => {
  const result = check();
  t.equal(result.status, 0, result.stderr);
});

t.test('a domain module importing a package or another layer fails', async (t) => {
  const root = tree({
    'domain/a/decide.ts': "import pg from 'pg';\nimport { x } from '../../api/app.ts';\n",
    'domain/a/ok.ts': "import type { Y } from '../shared/types.ts';\n",
  });
  const result = check(root);
  t.equal(result.status, 1);
  t.match(result.stderr, /domain\/a\/decide\.ts: domain\/ must stay pure, imports pg/);
  t.match(result.stderr, /domain\/a\/decide\.ts: domain\/ must stay pure, imports \.\.\/\.\.\/api\/app\.ts/);
  t.notMatch(result.stderr, /ok\.ts/);
});

t.test('api reaching into projection internals or the indexer fails; public modules pass', async (t) => {
  const root = tree({
    'api/routes/a.ts': "import { f } from '../../projections/subscriptions/projector.ts';\nimport { g } from '../../indexer/runner.ts';\n",
    'api/routes/b.ts': "import { q } from '../../projections/subscriptions/queries.ts';\nimport { s } from '../../projections/read-scope.ts';\n",
  });
  const result = check(root);
  t.equal(result.status, 1);
  t.match(result.stderr, /api\/routes\/a\.ts: api\/ reaches into projection internals/);
  t.match(result.stderr, /api\/routes\/a\.ts: api\/ imports indexer internals/);
  t.notMatch(result.stderr, /b\.ts/);
});

t.test('the SDK importing server code or a package fails; its own modules pass', async (t) => {
  const root = tree({
    'sdk/src/a.ts': "import { buildApp } from '../../api/app.ts';\nimport { Keypair } from '@stellar/stellar-sdk';\n",
    'sdk/src/b.ts': "import { SubstreamApiError } from './errors.ts';\nimport type { paths } from './generated/openapi.ts';\n",
  });
  const result = check(root);
  t.equal(result.status, 1);
  t.match(result.stderr, /sdk\/src\/a\.ts: sdk\/ must depend on nothing but itself, imports \.\.\/\.\.\/api\/app\.ts/);
  t.match(result.stderr, /sdk\/src\/a\.ts: sdk\/ must depend on nothing but itself, imports @stellar\/stellar-sdk/);
  t.notMatch(result.stderr, /b\.ts/);
});

t.test('integration reading projections beyond read-log.ts, or importing commands, fails; read-log passes', async (t) => {
  const root = tree({
    'integration/a.ts': "import { r } from '../projections/runner.ts';\nimport { c } from '../commands/handle-command.ts';\n",
    'integration/b.ts': "import { readLogBatch } from '../projections/read-log.ts';\nimport type { E } from '../eventstore/types.ts';\n",
    'eventstore/c.ts': "import { relay } from '../integration/relay.ts';\n",
  });
  const result = check(root);
  t.equal(result.status, 1);
  t.match(result.stderr, /integration\/a\.ts: integration\/ reaches into projections beyond read-log\.ts \(projections\/runner\.ts\)/);
  t.match(result.stderr, /integration\/a\.ts: integration\/ imports commands\/handle-command\.ts/);
  t.match(result.stderr, /eventstore\/c\.ts: eventstore\/ imports integration\/relay\.ts/);
  t.notMatch(result.stderr, /b\.ts/);
});

t.test('an api route registered without config (its policy) fails; declared ones pass', async (t) => {
  const root = tree({
    'api/routes/a.ts': "app.get('/open', { schema: {} }, handler);\napp.post('/x', { config: { policy } }, handler);\n",
    'api/routes/b.ts': "app.get('/ok', { config: { policy: { auth: 'public' } } }, handler);\n",
  });
  const result = check(root);
  t.equal(result.status, 1);
  t.match(result.stderr, /api\/routes\/a\.ts: route GET '\/open' declares no config\.policy/);
  t.notMatch(result.stderr, /\/x'/);
  t.notMatch(result.stderr, /b\.ts/);
});
