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
