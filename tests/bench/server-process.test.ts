import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startServer } from '../../bench/support/server-process.ts';

// The HTTP benches' servers run in child processes: they must serve, report their own CPU, and
// never outlive the bench, whether it stops them, they fail to start, or the bench dies.
const HELLO = new URL('../../bench/support/hello-server.ts', import.meta.url);
const API = new URL('../../bench/support/api-server.ts', import.meta.url);

/** Whether a process with this pid still exists (a zombie does not: its parent reaped it or is gone). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline; ) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !alive(pid);
}

t.test('the hello-world child serves, reports its CPU time and exits when stopped', async (t) => {
  const hello = await startServer(HELLO);
  t.teardown(() => (alive(hello.pid) ? process.kill(hello.pid, 'SIGKILL') : undefined));
  t.not(hello.pid, process.pid, 'the server runs in a process of its own');
  const before = await hello.cpuSeconds();
  t.ok(before > 0, `it has used CPU to start (${before} s)`);
  const bodies = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const response = await fetch(`${hello.url}/bench/hello`);
    bodies.add(`${response.status} ${await response.text()}`);
  }
  t.same([...bodies], ['200 {"hello":"world"}'], 'every request got the hello-world answer');
  const after = await hello.cpuSeconds();
  t.ok(after > before, `serving 200 requests took its CPU from ${before} s to ${after} s`);
  await hello.stop();
  t.notOk(alive(hello.pid), 'the child has exited');
  await t.rejects(fetch(`${hello.url}/bench/hello`), 'nothing listens on its port any more');
});

t.test('a child that fails to start rejects the start', async (t) => {
  await t.rejects(startServer(API, { BENCH_API_CONFIG: 'not json' }), /child exited with 1 while waiting for port/);
});

t.test('a child whose bench dies without stopping it exits by itself', async (t) => {
  const bench = spawn(process.execPath, [fileURLToPath(new URL('../support/orphaning-bench.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  bench.stdout.on('data', (chunk) => (output += chunk));
  const code = await new Promise((resolve) => bench.once('exit', resolve));
  t.equal(code, 1, 'the bench process exited without stopping its server');
  const pid = Number(output.trim());
  t.ok(pid > 0, `it had started a server child (pid ${output.trim()})`);
  t.teardown(() => (alive(pid) ? process.kill(pid, 'SIGKILL') : undefined));
  t.ok(await gone(pid, 5_000), 'the orphaned server child exited within 5 s');
});
