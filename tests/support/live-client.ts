import type { LiveMessage } from '../../api/live/messages.ts';

export interface LiveConnection {
  messages: LiveMessage[];
  protocol: string;
  /** Resolves with the first message (already received or to come) matching, or rejects after `timeoutMs`. */
  next(match: (message: LiveMessage) => boolean, timeoutMs?: number): Promise<LiveMessage>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/**
 * A real WebSocket client (Node's global WebSocket) on the live feed of a listening app.
 *
 * @example const live = await connectLive(`ws://127.0.0.1:${port}`, token, { since });
 */
export async function connectLive(base: string, token: string | null, options: { since?: string; via?: 'header' | 'protocol' } = {}): Promise<LiveConnection> {
  const url = `${base}/v1/analytics/live${options.since ? `?since=${encodeURIComponent(options.since)}` : ''}`;
  const init =
    token === null ? {} : options.via === 'header' ? { headers: { authorization: `Bearer ${token}` } } : { protocols: ['bearer', token] };
  const socket = new WebSocket(url, init as unknown as string[]);
  const messages: LiveMessage[] = [];
  const waiters: (() => void)[] = [];
  socket.addEventListener('message', (event) => {
    messages.push(JSON.parse(String(event.data)) as LiveMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.addEventListener('close', (event) => {
      resolve({ code: event.code, reason: event.reason });
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('error', () => resolve());
    void closed.then(() => resolve(), reject);
  });
  return {
    messages,
    get protocol() {
      return socket.protocol;
    },
    closed,
    close: () => socket.close(),
    async next(match, timeoutMs = 3_000) {
      const deadline = Date.now() + timeoutMs;
      let seen = 0;
      for (;;) {
        for (; seen < messages.length; seen += 1) if (match(messages[seen]!)) return messages[seen]!;
        const left = deadline - Date.now();
        if (left <= 0 || socket.readyState >= WebSocket.CLOSING) throw new Error(`no matching live message within ${timeoutMs} ms (got ${JSON.stringify(messages)})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => (clearTimeout(timer), resolve()));
        });
      }
    },
  };
}

/** All deltas received so far, flattened. */
export function deltasOf(messages: readonly LiveMessage[]) {
  return messages.flatMap((message) => (message.type === 'deltas' ? message.deltas : []));
}
