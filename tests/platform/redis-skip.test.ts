import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { freePort } from '../support/free-port.ts';

const TESTS = new URL('../', import.meta.url).pathname;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? testFiles(join(dir, entry.name)) : entry.name.endsWith('.test.ts') ? [join(dir, entry.name)] : []);
}

// The class of bug: a test that talks to Redis without declaring it, so a machine without Redis
// fails the run instead of skipping it. Every `t.test` whose body uses the Redis test URL or a
// Redis key prefix must take `skip: redisSkip`.
t.test('every test that uses Redis skips, with the reason, when Redis is not reachable', async (t) => {
  const undeclared: string[] = [];
  let checked = 0;
  for (const file of testFiles(TESTS).filter((f) => f !== new URL(import.meta.url).pathname)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    let current: { line: string; name: string } | null = null;
    for (const line of lines) {
      const opening = /^\s*t\.test\((['`])(.*?)\1/.exec(line);
      if (opening) current = { line, name: opening[2]! };
      // The test Redis itself (not a config's REDIS_URL field, a comment or a test's name).
      if (!current || opening || /^\s*\/\//.test(line) || !/(?<![.\w])REDIS_URL\b|\bredisPrefix\(/.test(line)) continue;
      checked++;
      if (!/\bredisSkip\b/.test(current.line)) undeclared.push(`${relative(TESTS, file)}: ${current.name}`);
    }
  }
  t.ok(checked >= 10, `the scan found the tests that use Redis (${checked} uses)`);
  t.same([...new Set(undeclared)], [], 'tests that use Redis without `skip: redisSkip`');
});

function runFile(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL(file, new URL('../', import.meta.url)).pathname], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

t.test('with TEST_REDIS_URL at a closed port, Redis tests skip with the reason instead of failing', async (t) => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  for (const file of ['platform/log-signal.test.ts', 'api/rate-limit.test.ts']) {
    const { code, stdout } = await runFile(file, { TEST_REDIS_URL: url });
    t.equal(code, 0, `${file} passes`, { stdout: stdout.slice(-2_000) });
    t.match(stdout, new RegExp(`# SKIP Redis is not reachable at ${url.replaceAll('.', '\\.')}`), `${file}: skipped with the reason`);
    t.notMatch(stdout, /^not ok/m, `${file}: nothing failed`);
  }
});
