import type { FastifyRequest, HTTPMethods, onRequestHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { tenantRequired } from '../auth/principal.ts';
import { grants, type Scope } from '../auth/scopes.ts';
import { ApiError } from '../errors.ts';

/**
 * What a route needs, declared as data in its `config.policy`:
 * - `public`: credentials are not looked at;
 * - `optional`: anonymous, or a credential that must then be valid (401 otherwise);
 * - `required`: a valid credential holding every scope listed (`'any'`: any principal), and with
 *   `tenant: true` one that acts for a creator (see auth/principal.ts).
 * `rateLimit: 'exempt'` keeps probes and docs out of the per-minute limit. `replay: 'never'` on a
 * write whose answer holds a secret shown once: under an Idempotency-Key its success is not stored,
 * and a repeat gets 409 IDEMPOTENCY.NOT_REPLAYABLE instead of running again or showing it again.
 * `reads` names the read models (projector names) a query answers from: a request that sends
 * `Substream-Min-Position` waits until they have passed it (api/plugins/read-your-writes.ts).
 */
export type RoutePolicy = (
  | { auth: 'public' | 'optional' }
  | { auth: 'required'; scopes: readonly [Scope, ...Scope[]] | 'any'; tenant?: boolean }
) & { rateLimit?: 'default' | 'exempt'; replay?: 'stored' | 'never'; reads?: readonly [string, ...string[]] };

/** One row of `app.routeTable`: every route the app serves (automatic HEAD routes aside). */
export interface RouteEntry {
  method: string;
  url: string;
  policy: RoutePolicy;
  /** A WebSocket route: its handler closes with 4401/4403 (see `policyError`) instead of answering 401/403. */
  websocket: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
  interface FastifyInstance {
    /** Every route and its declared policy, in registration order. */
    routeTable: readonly RouteEntry[];
  }
}

export interface RoutePolicyOptions {
  /** Policies of routes that third-party plugins register (they cannot declare one), by URL prefix. */
  prefixes?: Record<string, RoutePolicy>;
  /** Every read model a route may name in `reads` (the projectors' names). */
  readModels?: readonly string[];
}

/** Why a route may not declare `reads` as it does, or null: only GET routes read, and only known read models. */
function readsError(policy: RoutePolicy, methods: readonly string[], readModels: readonly string[]): string | null {
  if (!policy.reads) return null;
  if (policy.reads.length === 0) return 'declares reads: [] (omit it for a route that reads no read model)';
  if (methods.some((method) => method !== 'GET' && method !== 'HEAD')) return 'is not a query but declares the read models it reads';
  const unknown = policy.reads.find((name) => !readModels.includes(name));
  return unknown ? `reads an unknown read model ${unknown} (known: ${readModels.join(', ')})` : null;
}

/**
 * Why a request may not run a route under `policy`, or null when it may: the credential's own
 * error (401), AUTH.MISSING_TOKEN (401), AUTH.SCOPE_MISSING naming the scope (403) or
 * AUTH.TENANT_REQUIRED (403).
 *
 * @example const refused = policyError({ auth: 'required', scopes: ['streams:read'] }, request);
 */
export function policyError(policy: RoutePolicy, request: FastifyRequest): ApiError | null {
  if (policy.auth === 'public') return null;
  if (request.authError) return request.authError;
  if (policy.auth !== 'required') return null;
  const principal = request.principal;
  if (!principal) return new ApiError(401, 'AUTH.MISSING_TOKEN', 'send Authorization: Bearer <token> or X-API-Key: sk_…');
  const missing = policy.scopes === 'any' ? undefined : policy.scopes.find((scope) => !grants(principal.scopes, scope));
  if (missing) return new ApiError(403, 'AUTH.SCOPE_MISSING', `this API key lacks the scope ${missing}`, { scope: missing });
  if (policy.tenant && !principal.tenant) return tenantRequired();
  return null;
}

function policyOf(route: RouteOptions, prefixes: Record<string, RoutePolicy>): RoutePolicy | undefined {
  const declared = (route.config as { policy?: RoutePolicy } | undefined)?.policy;
  if (declared) return declared;
  const prefix = Object.keys(prefixes).find((p) => route.url === p || route.url.startsWith(`${p}/`));
  return prefix ? prefixes[prefix] : undefined;
}

/**
 * Route policy as data. Every route must declare `config.policy` (or sit under a configured
 * prefix): the app refuses to start otherwise. The policy is enforced by one onRequest hook put
 * first on each route, after the root hooks that identified the caller and before validation.
 * Register it before any plugin that adds routes.
 *
 * @example app.get('/v1/streams', { config: { policy: { auth: 'required', scopes: ['streams:read'] } } }, handler)
 */
export default fp<RoutePolicyOptions>(
  async (app, { prefixes = {}, readModels = [] }) => {
    const table: RouteEntry[] = [];
    app.decorate('routeTable', table);
    const enforce: onRequestHookHandler = async function (request) {
      const refused = policyError(request.routeOptions.config.policy!, request);
      if (refused) throw refused;
    };
    app.addHook('onRoute', (route) => {
      const methods = ([] as HTTPMethods[]).concat(route.method as HTTPMethods | HTTPMethods[]);
      const policy = policyOf(route, prefixes);
      if (!policy) throw new Error(`route ${methods.join(',')} ${route.url} declares no config.policy (public, optional or the scopes it requires)`);
      if (policy.auth === 'required' && Array.isArray(policy.scopes) && policy.scopes.length === 0) {
        throw new Error(`route ${methods.join(',')} ${route.url} requires authentication but names no scope`);
      }
      const badReads = readsError(policy, methods, readModels);
      if (badReads) throw new Error(`route ${methods.join(',')} ${route.url} ${badReads}`);
      route.config = { ...route.config, policy };
      const websocket = Boolean((route as { websocket?: boolean }).websocket);
      if (!websocket) {
        const hooks = ([] as onRequestHookHandler[]).concat(route.onRequest ?? []);
        if (!hooks.includes(enforce)) route.onRequest = [enforce, ...hooks];
      }
      for (const method of methods) {
        if (method !== 'HEAD') table.push({ method, url: route.url, policy, websocket });
      }
    });
  },
  { name: 'route-policy' },
);
