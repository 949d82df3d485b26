import fp from 'fastify-plugin';
import { observeAppends } from '../../eventstore/observe-appends.ts';
import { openLogSignal, type LogSignal } from '../../platform/log-signal.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** "The global log has grown", from any process sharing REDIS_URL (or this one without it). */
    logSignal: LogSignal;
  }
}

/**
 * The log signal: every append made through `app.services.eventStore` is announced after it
 * commits (Redis pub/sub when REDIS_URL is set, in-process otherwise), and the live feed subscribes
 * to it. Register it before the routes, which take the event store from `app.services`.
 */
export default fp(
  async (app) => {
    const { REDIS_URL, REDIS_KEY_PREFIX } = app.services.config;
    const signal = openLogSignal({ url: REDIS_URL, prefix: REDIS_KEY_PREFIX, onError: (error) => app.log.warn({ err: error }, 'log signal: Redis error') });
    app.decorate('logSignal', signal);
    app.services.eventStore = observeAppends(app.services.eventStore, signal.notify);
    app.addHook('onClose', () => signal.close());
  },
  { name: 'log-signal', dependencies: ['services'] },
);
