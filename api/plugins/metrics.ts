import fp from 'fastify-plugin';
import { createMetrics, instrumentEventStore, type Metrics } from '../../platform/metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Prometheus registry and the metrics other plugins update (e.g. `websocketClients`). */
    metrics: Metrics;
  }
}

/**
 * `GET /metrics` in the Prometheus text format: HTTP requests by route, method and status class,
 * event store appends made through `app.services.eventStore`, the pg pool, process metrics, and
 * projector lag / indexer ledgers read from PostgreSQL at scrape time. Register it right after
 * `services` so its hook sees every route.
 */
export default fp(
  async (app) => {
    const worker = process.env.NODE_APP_INSTANCE;
    const metrics = createMetrics(app.services.db, worker === undefined ? {} : { defaultLabels: { worker } });
    app.decorate('metrics', metrics);
    app.services.eventStore = instrumentEventStore(app.services.eventStore, metrics);

    app.addHook('onResponse', async (request, reply) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_class: `${Math.floor(reply.statusCode / 100)}xx`,
      };
      metrics.httpRequests.inc(labels);
      if (reply.statusCode >= 500) metrics.httpErrors.inc(labels);
      metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    });

    app.get('/metrics', { config: { policy: { auth: 'public' } }, schema: { hide: true } }, async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    });
  },
  { name: 'metrics', dependencies: ['services'] },
);
