import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.ts';
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
 * `services` so its hook sees every route. With METRICS_TOKEN a scrape must send
 * `Authorization: Bearer <token>` (401 otherwise); with METRICS_PORT `/metrics` is served on that
 * port only (started when the app listens, closed with it), off the public API port.
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

    const { METRICS_PORT, METRICS_TOKEN, HOST } = app.services.config;
    const digest = (text: string) => createHash('sha256').update(text).digest();
    const expected = METRICS_TOKEN === undefined ? undefined : digest(`Bearer ${METRICS_TOKEN}`);
    const authorised = (authorization: string | undefined) => !expected || timingSafeEqual(digest(authorization ?? ''), expected);

    if (METRICS_PORT === undefined) {
      // Public to the route policy: METRICS_TOKEN, when set, is its own credential.
      app.get('/metrics', { config: { policy: { auth: 'public' } }, schema: { hide: true } }, async (request: FastifyRequest, reply) => {
        if (!authorised(request.headers.authorization)) throw new ApiError(401, 'AUTH.METRICS_TOKEN', 'send Authorization: Bearer <METRICS_TOKEN>');
        const body = await metrics.registry.metrics();
        return reply.type(metrics.registry.contentType).send(body);
      });
      return;
    }
    let server: Server | undefined;
    app.addHook('onListen', async () => {
      server = createServer((request, response) => {
        const ok = request.method === 'GET' && request.url?.split('?')[0] === '/metrics';
        if (!ok || !authorised(request.headers.authorization)) {
          response.writeHead(ok ? 401 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(ok
            ? { code: 'AUTH.METRICS_TOKEN', message: 'send Authorization: Bearer <METRICS_TOKEN>' }
            : { code: 'ROUTE.NOT_FOUND', message: 'only GET /metrics is served here' }));
          return;
        }
        metrics.registry.metrics().then(
          (body) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
          (error: unknown) => {
            app.log.error({ err: error }, 'metrics scrape failed');
            response.writeHead(500).end();
          },
        );
      });
      await new Promise<void>((done, fail) => server!.once('error', fail).listen(METRICS_PORT, HOST, done));
      app.log.info({ port: (server.address() as AddressInfo).port }, 'metrics served on their own port');
    });
    app.addHook('onClose', async () => {
      if (server) await new Promise((done) => server!.close(done));
    });
  },
  { name: 'metrics', dependencies: ['services'] },
);
