/**
 * A share of the live-feed bench's WebSocket clients, in a child process of its own so that no one
 * event loop holds all 1,000 sockets. The parent sends `{ sockets: [{ url, token }] }`; the child
 * answers `{ ready }` once every socket got its `ready` message, `{ received }` on `'count'`, and on
 * `'report'` the arrival time of each delta (`performance.timeOrigin + performance.now()`, a clock
 * the processes of one machine share) with its receipt hash, and its worst event-loop delay.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LiveMessage } from '../api/live/messages.ts';

interface Setup {
  sockets: { url: string; token: string }[];
}

const receipts: string[] = [];
const arrivals: number[] = [];
const sockets: WebSocket[] = [];
const loop = monitorEventLoopDelay({ resolution: 10 });

const connect = ({ url, token }: Setup['sockets'][number]) =>
  new Promise<void>((resolve, reject) => {
    const socket = new WebSocket(url, ['bearer', token]);
    sockets.push(socket);
    socket.onmessage = (event) => {
      const at = performance.timeOrigin + performance.now();
      const message = JSON.parse(String(event.data)) as LiveMessage;
      if (message.type === 'ready') resolve();
      if (message.type !== 'deltas') return;
      for (const delta of message.deltas) {
        receipts.push((delta.data as { receiptHash: string }).receiptHash);
        arrivals.push(at);
      }
    };
    socket.onclose = (event) => reject(new Error(`closed ${event.code} ${event.reason}`));
  });

process.on('message', async (message: Setup | 'count' | 'report' | 'stop') => {
  if (message === 'count') process.send!({ received: receipts.length });
  else if (message === 'report') process.send!({ receipts, arrivals, worstLoopDelayMs: loop.max / 1e6 });
  else if (message === 'stop') {
    for (const socket of sockets) socket.close();
    process.exit(0);
  } else {
    await Promise.all(message.sockets.map(connect));
    loop.enable();
    process.send!({ ready: message.sockets.length });
  }
});
