import { spawn } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';
import { testDatabase } from '../support/database.ts';

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
