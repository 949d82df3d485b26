import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { frameworkErrors } from './framework-errors.ts';
import auth, { resolveApiKeys } from './plugins/auth.ts';
import deadline from './plugins/deadline.ts';
import errorHandler from './plugins/error-handler.ts';
import flags from './plugins/flags.ts';
import idempotency from './plugins/idempotency.ts';
import jsonBody from './plugins/json-body.ts';
import logSignal from './plugins/log-signal.ts';
import metrics from './plugins/metrics.ts';
import openapi from './plugins/openapi.ts';
import rateLimit from './plugins/rate-limit.ts';
import readiness from './plugins/readiness.ts';
import readYourWrites from './plugins/read-your-writes.ts';
import redis from './plugins/redis.ts';
import routePolicy from './plugins/route-policy.ts';
import type { Config } from '../platform/config.ts';
import { READ_MODELS } from '../projections/status.ts';
import services, { type Services } from './plugins/services.ts';
import stripe from './plugins/stripe.ts';
import analytics from './routes/analytics.ts';
import apiKeys from './routes/api-keys.ts';
import content from './routes/content.ts';
import creators from './routes/creators.ts';
import dashboard from './routes/dashboard.ts';
import exportRoutes from './routes/exports.ts';
import reconciliationRoutes from './routes/reconciliation.ts';
import flagRoutes from './routes/flags.ts';
import health from './routes/health.ts';
import home from './routes/home.ts';
import invoiceLinks from './routes/invoice-links.ts';
import live from './routes/live.ts';
import me from './routes/me.ts';
import sep10 from './routes/sep10.ts';
import streams from './routes/streams.ts';
import stripeWebhooks from './routes/stripe-webhooks.ts';
import subscriptions from './routes/subscriptions.ts';
import emailRoutes from './routes/email.ts';
import webhookEndpoints from './routes/webhook-endpoints.ts';

export interface AppOptions {
  services: Services;
  logLevel?: string;
}

/** TRUST_PROXY as Fastify takes it (a hop count trusts that many proxies nearest the server). */
function trustProxy(setting: Config['TRUST_PROXY']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/**
 * Builds the HTTP API (not listening). Tests use `app.inject`; the CLI calls `listen`.
 *
 * @example const app = await buildApp({ services }); await app.listen({ port: 3000 });
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: options.logLevel ?? options.services.config.LOG_LEVEL },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    // Behind a load balancer the client is the X-Forwarded-For address the trusted proxies report.
    trustProxy: trustProxy(options.services.config.TRUST_PROXY),
    // A subscription id is two 56-character addresses joined by '-': over the default 100.
    routerOptions: { maxParamLength: 256 },
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(services, { services: options.services });
  // Before every plugin that adds routes: each must declare its policy (the docs UI cannot, so its prefix does).
  await app.register(routePolicy, { prefixes: { '/docs': { auth: 'public', rateLimit: 'exempt' } }, readModels: READ_MODELS });
  await app.register(metrics);
  await app.register(errorHandler);
  await app.register(jsonBody);
  await app.register(deadline);
  await app.register(openapi);
  await app.register(redis);
  await app.register(logSignal);
  await app.register(readYourWrites);
  await app.register(auth);
  await app.register(rateLimit);
  await app.register(resolveApiKeys);
  await app.register(flags);
  await app.register(stripe);
  await app.register(idempotency);
  await app.register(readiness);
  await app.register(health);
  await app.register(home);
  await app.register(sep10);
  await app.register(apiKeys, { prefix: '/v1' });
  await app.register(flagRoutes, { prefix: '/v1' });
  await app.register(me, { prefix: '/v1' });
  await app.register(creators, { prefix: '/v1' });
  await app.register(subscriptions, { prefix: '/v1' });
  await app.register(streams, { prefix: '/v1' });
  await app.register(invoiceLinks, { prefix: '/v1' });
  await app.register(content, { prefix: '/v1' });
  await app.register(analytics, { prefix: '/v1' });
  await app.register(exportRoutes, { prefix: '/v1' });
  await app.register(reconciliationRoutes, { prefix: '/v1' });
  await app.register(live, { prefix: '/v1' });
  await app.register(stripeWebhooks, { prefix: '/v1' });
  await app.register(webhookEndpoints, { prefix: '/v1' });
  await app.register(emailRoutes, { prefix: '/v1' });
  await app.register(dashboard);
  return app;
}
