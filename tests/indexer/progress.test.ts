import t from 'tap';
import { createProgress } from '../../bin/progress.ts';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}

t.test('a TTY gets a redrawn bar with rates and ETA', async (t) => {
  let now = 0;
  const { writes, stream } = fakeStream(true);
  const progress = createProgress(stream, { now: () => now });
  now = 1_000;
  progress.update({ ledgersDone: 50, ledgersTotal: 100, events: 5_000 });
  progress.done();
  t.match(writes[0], /^\r\[#{15}-{15}\]  50\.0% 50 ledgers 5000 events \| 50 ledgers\/s, 5000 events\/s \| ETA 00:01/);
  t.equal(writes.at(-1), '\n');
});

t.test('elsewhere: plain periodic lines', async (t) => {
  let now = 0;
  const { writes, stream } = fakeStream(false);
  const progress = createProgress(stream, { now: () => now, intervalMs: 5_000 });
  for (let i = 1; i <= 10; i++) {
    now = i * 1_000;
    progress.update({ ledgersDone: i * 10, ledgersTotal: 100, events: i });
  }
  progress.done();
  t.equal(writes.length, 3, 'at 1 s, 6 s, and the final line');
  t.match(writes[2], /^replay: 100\/100 \(100\.0%\) ledgers, 10 events/);
  t.notMatch(writes.join(''), /\r/);
});
