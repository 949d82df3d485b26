import t from 'tap';
import { createRebuildProgress } from '../../bin/rebuild-progress.ts';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}

const position = { commit: 1n, prepare: 1n };

t.test('a TTY gets a redrawn bar with events/s and ETA', async (t) => {
  let now = 0;
  const { writes, stream } = fakeStream(true);
  const progress = createRebuildProgress(stream, 'subscriptions', { now: () => now });
  now = 2_000;
  progress.update({ read: 5_000, applied: 4_000, total: 20_000, position });
  progress.done();
  t.match(writes[0], /^\rsubscriptions \[#{8}-{22}\] 5000\/20000 events \(25\.0%\), 4000 applied \| 2500 events\/s \| ETA 00:06\x1b\[K$/);
  t.equal(writes.at(-1), '\n', 'the bar ends with a newline');
});

t.test('elsewhere: a plain line every interval and a final one', async (t) => {
  let now = 0;
  const { writes, stream } = fakeStream(false);
  const progress = createRebuildProgress(stream, 'creators', { now: () => now, intervalMs: 5_000 });
  for (let i = 1; i <= 10; i++) {
    now = i * 1_000;
    progress.update({ read: i * 100, applied: i * 10, total: 1_000, position });
  }
  progress.done();
  t.equal(writes.length, 3, 'at 1 s, 6 s, and the final line');
  t.equal(writes[2], 'rebuild creators: 1000/1000 events (100.0%), 100 applied, 100 events/s, ETA 00:00\n');
});
