import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.ts';
import { failoverStore } from './rate-limit-store.ts';

/**
 * Rate limiting per minute: per API key or principal when the request carries valid credentials,
 * per IP otherwise; RATE_LIMIT_PER_MINUTE with per-tenant RATE_LIMIT_TENANT_OVERRIDES. Counters
 * live in Redis (shared by every instance) when REDIS_URL is set, in memory otherwise. Exceeding
 * is 429 RATE_LIMIT.EXCEEDED with Retry-After and the RateLimit-* headers. While Redis is away
 * each instance counts by itself (rate-limit-store.ts): the limit holds per instance, a request
 * never waits on Redis, and nothing fails.
 * Routes whose policy says `rateLimit: 'exempt'` (probes, docs) are never limited.
 */
export default fp(
  async (app) => {
    const { RATE_LIMIT_PER_MINUTE, RATE_LIMIT_TENANT_OVERRIDES, REDIS_KEY_PREFIX } = app.services.config;
    const keyOf = (request: FastifyRequest): string => {
      const principal = request.principal;
      if (!principal) return `ip:${request.ip}`;
      return principal.apiKeyId ? `key:${principal.apiKeyId}` : `sub:${principal.address}:${principal.tenant ?? ''}`;
    };
    const limitOf = (request: FastifyRequest): number => {
      const tenant = request.principal?.tenant;
      return (tenant && RATE_LIMIT_TENANT_OVERRIDES[tenant]) || RATE_LIMIT_PER_MINUTE;
    };
    await app.register(rateLimit, {
      global: false,
      timeWindow: 60_000,
      max: limitOf,
      keyGenerator: keyOf,
      allowList: (request) => request.routeOptions.config.policy?.rateLimit === 'exempt',
      enableDraftSpec: true,
      ...(app.redis ? { store: failoverStore(app.redis, `${REDIS_KEY_PREFIX}rate-limit:`, (reason) => app.redisFallback('rate-limit', reason)) } : {}),
      errorResponseBuilder: (_request, context) =>
        new ApiError(429, 'RATE_LIMIT.EXCEEDED', `rate limit of ${context.max} requests a minute exceeded: retry in ${context.after}`, {
          limit: context.max,
          retryAfterSeconds: Math.ceil(context.ttl / 1000),
        }),
    });
    // A root hook (after auth identified the caller, before any route hook): refused credentials
    // and unknown routes are counted too.
    app.addHook('onRequest', app.rateLimit());
  },
  { name: 'rate-limit', dependencies: ['services', 'redis', 'auth'] },
);
