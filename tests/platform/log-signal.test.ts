import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import t from 'tap';
import type { LogPosition } from '../../eventstore/types.ts';
import { openLogSignal } from '../../platform/log-signal.ts';
import { REDIS_URL, redisSkip } from '../support/redis.ts';

const position = (n: number): LogPosition => ({ commit: 1_000n + BigInt(n), prepare: BigInt(n) });

function heard(): { positions: (LogPosition | null)[]; next(): Promise<void>; handler(position: LogPosition | null): void } {
  const positions: (LogPosition | null)[] = [];
  let wake = () => {};
  return {
    positions,
    next: () => new Promise<void>((resolve) => (wake = resolve)),
    handler(p) {
      positions.push(p);
      wake();
    },
  };
}

t.test('through Redis, an announcement from one process reaches the subscribers of another', { skip: redisSkip }, async (t) => {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  const appender = openLogSignal({ url: REDIS_URL, prefix });
  const instance = openLogSignal({ url: REDIS_URL, prefix });
  const elsewhere = openLogSignal({ url: REDIS_URL, prefix: `${prefix}other:` });
  t.teardown(() => Promise.all([appender.close(), instance.close(), elsewhere.close()]));
  const mine = heard();
  const theirs = heard();
  const unsubscribe = await instance.subscribe(mine.handler);
  await elsewhere.subscribe(theirs.handler);

  let arrived = mine.next();
  appender.notify(position(7));
  await arrived;
  t.same(mine.positions, [position(7)], 'the position, as announced');

  unsubscribe();
  const again = heard();
  await instance.subscribe(again.handler);
  arrived = again.next();
  appender.notify(position(8));
  await arrived;
  t.same(mine.positions, [position(7)], 'nothing after unsubscribing');
  t.same(again.positions, [position(8)]);
  t.same(theirs.positions, [], 'another prefix hears nothing');
});

t.test('without Redis, announcements stay in the process; a failing subscriber stops no one', async (t) => {
  const signal = openLogSignal({ prefix: 'unused:' });
  const other = openLogSignal({ prefix: 'unused:' });
  t.teardown(() => Promise.all([signal.close(), other.close()]));
  const first = heard();
  const apart = heard();
  await signal.subscribe(() => {
    throw new Error('broken subscriber');
  });
  await signal.subscribe(first.handler);
  await other.subscribe(apart.handler);
  t.doesNotThrow(() => signal.notify(position(1)), 'the appender never sees a subscriber fail');
  t.same(first.positions, [position(1)], 'told synchronously');
  t.same(apart.positions, [], 'another signal in the same process hears nothing');
});

t.test('after close, notify opens no connection: a process that closed its signal can exit', { skip: redisSkip }, async (t) => {
  const script = `
    import { openLogSignal } from ${JSON.stringify(new URL('../../platform/log-signal.ts', import.meta.url).href)};
    const signal = openLogSignal({ url: ${JSON.stringify(REDIS_URL)}, prefix: 'test:closed:' });
    signal.notify({ commit: 2n, prepare: 1n });
    await signal.close();
    signal.notify({ commit: 3n, prepare: 2n });
    (await signal.subscribe(() => {}))();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  t.same({ code, signal }, { code: 0, signal: null }, 'it exits by itself (a connection opened after close would keep it alive)');
});
