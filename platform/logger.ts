import { pino, type Logger } from 'pino';

export type { Logger };

/** The JSON logger for CLI commands; the HTTP server uses Fastify's own pino instance. */
export function createLogger(level: string, name = 'substream'): Logger {
  return pino({ level, name });
}
