import { spawn } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';
import { testDatabase } from '../support/database.ts';
import { freePort } from '../support/free-port.ts';

const BIN = new URL('../../bin/substream.ts', import.meta.url).pathname;

t.test('demo serves the sample: the printed sign-in link works, the live feed shows its facts as they come, Ctrl-C stops it', async (t) => {
  const { url } = await testDatabase(t);
  const child = spawn(process.execPath, [BIN, 'demo', '--subscribers', '40', '--port', '0'], {
    env: { ...process.env, DATABASE_URL: url, DATA_DIR: t.testdir(), LOG_LEVEL: 'warn', JWT_SECRET: 'test-secret-test-secret-test-secret!' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => void child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const banner = await new Promise<RegExpMatchArray>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /dashboard, signed in as .*: (http:\/\/localhost:(\d+))\/dashboard#token=(\S+)/.exec(stdout);
      if (match) resolve(match);
    });
    child.once('exit', (code) => reject(new Error(`demo exited ${code} before serving: ${stderr}`)));
  });
  const base = banner[1]!;
  const token = banner[3]!;
  t.match(stdout, /sample built in [\d.]+ s: 3 creators, 12 content items, 40 subscriptions/);
  t.match(stdout, /Try next:\n\s+export TOKEN=\S+\n\s+curl -H "Authorization: Bearer \$TOKEN"/);

  const me = await fetch(`${base}/v1/analytics/creators/me`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(me.status, 200, 'the printed token is a creator\'s');
  const body = (await me.json()) as { counts: { active: number }; mrr: { token: string | null }[] };
  t.ok(body.counts.active > 0, `the creator has active subscribers (${body.counts.active})`);
  t.ok(body.mrr.length > 0 && body.mrr.every((m) => m.token !== null), 'MRR is per token');
  const front = await fetch(`${base}/`);
  t.equal(front.status, 200, 'the front door is open');

  // Facts land for any of the three creators: the printed one has the most subscribers; wait for one of its facts.
  const socket = new WebSocket(`${base.replace('http', 'ws')}/v1/analytics/live`, ['bearer', token]);
  const delta = await new Promise<{ type: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no live fact in 30 s; demo printed:\n${stdout.slice(-500)}`)), 30_000);
    socket.addEventListener('message', (message) => {
      const parsed = JSON.parse(String(message.data)) as { type: string; deltas?: { type: string }[] };
      const fact = parsed.deltas?.find((d) => d.type.startsWith('Subscription'));
      if (parsed.type === 'deltas' && fact) {
        clearTimeout(timer);
        resolve(fact);
      }
    });
    socket.addEventListener('error', () => reject(new Error('live feed refused the demo token')));
  });
  t.match(delta.type, /^Subscription(Activated|Billed|Cancelled)$/, `a live chain fact reached the feed: ${delta.type}`);
  socket.close();

  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  t.equal(code, 0, `stops cleanly on SIGINT: ${stderr.slice(-300)}`);
});

/** Spawns `substream …` and resolves with the first match of `pattern` in its stdout. */
function started(t: { teardown(fn: () => unknown): void }, args: string[], env: Record<string, string>, pattern: RegExp) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', JWT_SECRET: 'test-secret-test-secret-test-secret!', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const match = new Promise<RegExpMatchArray>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const found = pattern.exec(stdout);
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}: ${stderr.slice(-800)}\n${stdout.slice(-800)}`)));
  });
  return { child, match, output: () => ({ stdout, stderr }) };
}

// `npm start` then `npx substream demo` in a second terminal (README "Try it"): both default to
// PORT 3000; the demo must join the server already there, not fail on the taken port.
t.test('demo beside a running server on its port: joins it (its sign-in link, its live feed) instead of failing', async (t) => {
  const { url } = await testDatabase(t);
  const env = { DATABASE_URL: url, DATA_DIR: t.testdir() };
  const port = await freePort();
  const serve = started(t, ['serve', '--port', String(port)], env, /$^/);
  serve.match.catch(() => undefined);
  for (let tries = 0; !(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)); tries++) {
    if (tries > 300) throw new Error(`serve did not answer in 30 s: ${serve.output().stderr.slice(-500)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
  const demo = started(t, ['demo', '--subscribers', '20', '--port', String(port)], env, /dashboard, signed in as .*: (http:\/\/localhost:(\d+))\/dashboard#token=(\S+)/);
  const banner = await demo.match;
  t.equal(banner[2], String(port), 'the link is the running server\'s');
  t.match(demo.output().stdout, /joining the SubStream server already on/);

  const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/analytics/live`, ['bearer', banner[3]!]);
  t.teardown(() => socket.close());
  const delta = await new Promise<{ type: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no live fact in 30 s:\n${demo.output().stdout.slice(-500)}`)), 30_000);
    socket.addEventListener('message', (message) => {
      const parsed = JSON.parse(String(message.data)) as { type: string; deltas?: { type: string }[] };
      const fact = parsed.deltas?.find((d) => d.type.startsWith('Subscription'));
      if (fact) {
        clearTimeout(timer);
        resolve(fact);
      }
    });
    socket.addEventListener('error', () => reject(new Error('the running server refused the demo\'s token')));
  });
  t.match(delta.type, /^Subscription/, `the demo's fact reached the running server's feed: ${delta.type}`);
  demo.child.kill('SIGINT');
  const [code] = await once(demo.child, 'exit');
  t.equal(code, 0, `the demo stops cleanly: ${demo.output().stderr.slice(-300)}`);
  serve.child.kill('SIGINT');
  await once(serve.child, 'exit');
});
