import { isAfter, type Delta, type LiveMessage } from './messages.ts';
import type { LogPosition } from '../../eventstore/types.ts';

/** The part of a `ws` socket the feed uses. */
export interface LiveSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Buffer, options?: { binary: boolean }): void;
  close(code: number, reason: string): void;
  terminate(): void;
  ping(): void;
}

export interface Limits {
  /** Above this many bytes unsent in the socket, updates are held back and coalesced. */
  coalesceBytes: number;
  /** A client is dropped (4429) past this many bytes unsent, or this many deltas held. */
  maxBufferedBytes: number;
  maxPendingDeltas: number;
}

export const DEFAULT_LIMITS: Limits = { coalesceBytes: 64 * 1024, maxBufferedBytes: 4 * 1024 * 1024, maxPendingDeltas: 5_000 };

const OPEN = 1;
const TEXT = { binary: false };
export const CLOSE_SLOW_CONSUMER = 4429;

export interface LiveClient {
  readonly tenant: string;
  /**
   * Queues deltas in log order, skipping any at or before the last one queued (the replay seam).
   * `encoded`, the same deltas as one serialised message (one buffer shared by every client of the
   * tenant), is sent as is, as a text frame, when the client keeps up.
   */
  deliver(deltas: readonly { delta: Delta; at: LogPosition }[], encoded?: Buffer): void;
  addViews(counts: ReadonlyMap<string, number>): void;
  /** Sends what is held unless the socket is backed up; drops the client past the limits. */
  flush(): void;
  send(message: LiveMessage): void;
  /** Closes the client as too slow (4429). */
  drop(): void;
  /** Heartbeat: false if the last ping got no pong (then the socket is terminated). */
  ping(): boolean;
  pong(): void;
  readonly cursor: LogPosition | null;
}

/**
 * One connected client: a bounded queue in front of its socket. A client that keeps up gets one
 * message per tailer batch; one that lags gets the held deltas (and summed view counts) in one
 * message when its socket drains, and is closed with 4429 before the queue passes the limits, so
 * it can reconnect with `?since=` and replay from the log instead.
 */
export function liveClient(socket: LiveSocket, tenant: string, since: LogPosition | null, limits: Limits = DEFAULT_LIMITS): LiveClient {
  let cursor = since;
  let pending: Delta[] = [];
  let views = new Map<string, number>();
  let alive = true;
  let dropped = false;

  const drop = () => {
    dropped = true;
    pending = [];
    views = new Map();
    socket.close(CLOSE_SLOW_CONSUMER, 'slow consumer: reconnect with ?since=<last position>');
  };

  const client: LiveClient = {
    tenant,
    get cursor() {
      return cursor;
    },
    deliver(deltas, encoded) {
      if (dropped) return;
      const last = deltas[deltas.length - 1];
      const keepingUp = encoded && last && pending.length === 0 && (!cursor || isAfter(deltas[0]!.at, cursor));
      if (keepingUp && socket.readyState === OPEN && socket.bufferedAmount <= limits.coalesceBytes) {
        cursor = last.at;
        return socket.send(encoded, TEXT);
      }
      for (const { delta, at } of deltas) {
        if (cursor && !isAfter(at, cursor)) continue;
        cursor = at;
        pending.push(delta);
      }
      if (pending.length > limits.maxPendingDeltas) drop();
      else client.flush();
    },
    addViews(counts) {
      if (dropped) return;
      for (const [contentId, n] of counts) views.set(contentId, (views.get(contentId) ?? 0) + n);
      client.flush();
    },
    flush() {
      if (dropped || socket.readyState !== OPEN || (pending.length === 0 && views.size === 0)) return;
      if (socket.bufferedAmount > limits.maxBufferedBytes) return drop();
      if (socket.bufferedAmount > limits.coalesceBytes) return;
      if (pending.length > 0) {
        client.send({ type: 'deltas', position: pending[pending.length - 1]!.position, deltas: pending });
        pending = [];
      }
      if (views.size > 0) {
        client.send({ type: 'views', at: new Date().toISOString(), counts: Object.fromEntries(views) });
        views = new Map();
      }
    },
    drop,
    send(message) {
      if (socket.readyState === OPEN) socket.send(JSON.stringify(message));
    },
    ping() {
      if (!alive) {
        socket.terminate();
        return false;
      }
      alive = false;
      if (socket.readyState === OPEN) socket.ping();
      return true;
    },
    pong() {
      alive = true;
    },
  };
  return client;
}
