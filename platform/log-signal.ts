import { Redis } from 'ioredis';
import type { LogPosition } from '../eventstore/types.ts';

/** Called on each announcement, with the position announced, or null when some may have been missed. */
export type LogWake = (position: LogPosition | null) => void;

/** "The global log has grown": a hint to tail it now, never the data itself (the log stays the truth). */
export interface LogSignal {
  /** Announces a committed append, without waiting; a failure is reported to `onError` and otherwise lost. */
  notify(position: LogPosition): void;
  /** Hears every announcement until the returned function is called. */
  subscribe(handler: LogWake): Promise<() => void>;
  close(): Promise<void>;
}

export interface LogSignalOptions {
  /** Redis for every process sharing the log; unset = this process only. */
  url?: string | undefined;
  /** Prefix of the channel (`<prefix>log.appended`). */
  prefix: string;
  onError?: (error: Error) => void;
}

const CHANNEL = 'log.appended';

const encode = (position: LogPosition) => `${position.commit}-${position.prepare}`;

function decode(message: string): LogPosition | null {
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(message);
  return match ? { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) } : null;
}

function tell(handlers: Iterable<LogWake>, position: LogPosition | null): void {
  for (const handler of handlers) {
    try {
      handler(position);
    } catch {
      // One listener's failure neither stops the others nor reaches the appender.
    }
  }
}

/**
 * The post-commit signal of the global log: appenders (the API's event store, the indexer) call
 * `notify` after each commit; each API instance's live feed subscribes and reads the log at once.
 * With a Redis URL it is a pub/sub channel, so a fact appended by any process wakes every
 * instance; without, it reaches this process's subscribers only. Pub/sub drops messages while a
 * subscriber reconnects, so subscribers keep a slow poll too; a reconnect is told as `null`.
 *
 * @example const signal = openLogSignal({ url: config.REDIS_URL, prefix: config.REDIS_KEY_PREFIX });
 */
export function openLogSignal(options: LogSignalOptions): LogSignal {
  const handlers = new Set<LogWake>();
  const { url } = options;
  if (!url) {
    return {
      notify: (position) => tell(handlers, position),
      async subscribe(handler) {
        handlers.add(handler);
        return () => void handlers.delete(handler);
      },
      close: async () => handlers.clear(),
    };
  }
  const channel = `${options.prefix}${CHANNEL}`;
  const onError = options.onError ?? (() => {});
  const connect = () => new Redis(url, { maxRetriesPerRequest: 1 }).on('error', onError);
  let publisher: Redis | null = null;
  let subscriber: Promise<Redis> | null = null;
  // After close, notify and subscribe do nothing: they must not open a connection no one will close.
  let closed = false;

  const listen = async () => {
    const connection = connect();
    let connected = false;
    connection.on('ready', () => {
      if (connected) tell(handlers, null);
      connected = true;
    });
    connection.on('message', (_channel: string, message: string) => tell(handlers, decode(message)));
    try {
      await connection.subscribe(channel);
    } catch (error) {
      connection.disconnect();
      subscriber = null;
      throw error;
    }
    return connection;
  };

  return {
    notify(position) {
      if (closed) return;
      publisher ??= connect();
      publisher.publish(channel, encode(position)).catch(onError);
    },
    async subscribe(handler) {
      if (closed) return () => {};
      subscriber ??= listen();
      await subscriber;
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    async close() {
      closed = true;
      handlers.clear();
      const connections = [publisher, await subscriber?.catch(() => null)];
      await Promise.allSettled(connections.map((connection) => connection?.quit()));
    },
  };
}
