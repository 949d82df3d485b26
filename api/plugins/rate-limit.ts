import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.ts';
import { failoverStore } from './rate-limit-store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * An onRequest hook spending a budget of its own (apart from the general limit): `max` a minute
     * per `keyOf(request)`; a request `keyOf` gives no key for is not counted.
     */
    budget(name: string, max: number, keyOf: (request: FastifyRequest) => string | undefined): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/**
 * Rate limiting per minute, before any database lookup of a credential: per verified JWT
 * principal, per API key this instance has resolved before (`lastSeen`), per client IP otherwise
 * (anonymous calls, refused and never-seen credentials: a flood of made-up `sk_` keys is 429 past
 * the IP's budget without a SELECT). The client IP is the socket's, or with TRUST_PROXY the one
 * the trusted proxies report in X-Forwarded-For; RATE_LIMIT_PER_MINUTE with per-tenant RATE_LIMIT_TENANT_OVERRIDES. Counters
 * live in Redis (shared by every instance) when REDIS_URL is set, in memory otherwise. Exceeding
 * is 429 RATE_LIMIT.EXCEEDED with Retry-After and the RateLimit-* headers. While Redis is away
 * each instance counts by itself (rate-limit-store.ts): the limit holds per instance, a request
 * never waits on Redis, and nothing fails.
 * Routes whose policy says `rateLimit: 'exempt'` (probes, docs) are never limited. Over all that,
 * RATE_LIMIT_PER_IP_PER_MINUTE caps one client IP whoever it authenticates as (SEP-10 logins cost
 * nothing, so per-principal budgets alone could be multiplied).
 */
export default fp(
  async (app) => {
    const { RATE_LIMIT_PER_MINUTE, RATE_LIMIT_PER_IP_PER_MINUTE, RATE_LIMIT_TENANT_OVERRIDES, REDIS_KEY_PREFIX } = app.services.config;
    const keyOf = (request: FastifyRequest): string => {
      const principal = request.principal;
      if (request.claimedApiKey) return `key:${request.claimedApiKey.id}`;
      if (!principal) return `ip:${request.ip}`;
      return principal.apiKeyId ? `key:${principal.apiKeyId}` : `sub:${principal.address}:${principal.tenant ?? ''}`;
    };
    const limitOf = (request: FastifyRequest): number => {
      const tenant = request.claimedApiKey?.tenant ?? request.principal?.tenant;
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
    app.decorate('budget', (name: string, max: number, keyOf: (request: FastifyRequest) => string | undefined) => {
      const check = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: (request) => `${name}:${keyOf(request)}` });
      return async (request: FastifyRequest, reply: FastifyReply) => {
        if (keyOf(request) === undefined) return;
        const result = await check(request);
        if (result.isAllowed || !result.isExceeded) return;
        const retryAfterSeconds = Math.ceil(result.ttl / 1000);
        reply.header('retry-after', String(retryAfterSeconds));
        throw new ApiError(429, 'RATE_LIMIT.EXCEEDED', `the ${name} budget of ${max} requests a minute is spent: retry in ${retryAfterSeconds} s`, {
          limit: max, retryAfterSeconds, budget: name,
        });
      };
    });
    // A root hook (after auth verified JWTs, before API keys are looked up and any route hook):
    // refused credentials and unknown routes are counted too.
    app.addHook('onRequest', app.rateLimit());
    // And a ceiling per client IP over everything it sends, however many principals it logs in as.
    const exempt = (request: FastifyRequest) => request.routeOptions.config.policy?.rateLimit === 'exempt';
    app.addHook('onRequest', app.budget('client-ip', RATE_LIMIT_PER_IP_PER_MINUTE, (request) => (exempt(request) ? undefined : request.ip)));
  },
  { name: 'rate-limit', dependencies: ['services', 'redis', 'auth'] },
);
