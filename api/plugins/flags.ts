import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { changeFlags, loadFlags, type ChangeContext, type FlagChange, type FlagSetting, type TenantFlags } from '../flags/flags.ts';
import { ApiError } from '../errors.ts';
import { tenantOf } from '../auth/principal.ts';

const CHANNEL = 'flags.changed';

export interface Flags {
  /** The tenant's flags, from the in-process cache (filled from the event store on a miss). */
  forTenant(tenant: string): Promise<TenantFlags>;
  /** Whether a flag is on for a tenant: a Map lookup once the tenant is cached. */
  isEnabled(tenant: string, flag: string): Promise<boolean>;
  /** Records changes as events and invalidates every instance's cache. */
  change(changes: readonly FlagChange[], context: ChangeContext): Promise<{ state: TenantFlags; changed: number }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    flags: Flags;
  }
}

/**
 * An onRequest hook (on a route whose policy requires a tenant) that refuses the route with 404 FLAG.DISABLED unless
 * the caller's tenant has the flag on.
 *
 * @example app.get('/beta', { config: { policy: { auth: 'required', scopes: ['analytics:read'], tenant: true } }, onRequest: [requireFlag(app, 'beta-reports')] }, handler)
 */
export function requireFlag(app: { flags: Flags }, flag: string) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!(await app.flags.isEnabled(tenantOf(request), flag))) throw new ApiError(404, 'FLAG.DISABLED', `the feature ${flag} is not enabled for this tenant`, { flag });
  };
}

/**
 * Tenant feature flags: event-sourced (one stream per tenant, every change an event: the audit
 * log), served from an in-process cache that Redis pub/sub (or the local bus) invalidates.
 */
export default fp(
  async (app) => {
    const store = app.services.eventStore;
    const cache = new Map<string, Promise<TenantFlags>>();
    await app.bus.subscribe(CHANNEL, (tenant) => cache.delete(tenant));
    app.bus.onResync(() => cache.clear());

    const forTenant = (tenant: string): Promise<TenantFlags> => {
      let entry = cache.get(tenant);
      if (!entry) {
        entry = loadFlags(store, tenant);
        entry.catch(() => cache.delete(tenant));
        cache.set(tenant, entry);
      }
      return entry;
    };
    const setting = async (tenant: string, flag: string): Promise<FlagSetting | undefined> => (await forTenant(tenant)).flags.get(flag);
    app.decorate('flags', {
      forTenant,
      isEnabled: async (tenant, flag) => (await setting(tenant, flag))?.enabled ?? false,
      async change(changes, context) {
        const result = await changeFlags(store, changes, context);
        cache.delete(context.tenant);
        if (result.changed > 0) await app.bus.publish(CHANNEL, context.tenant);
        return result;
      },
    } satisfies Flags);
  },
  { name: 'flags', dependencies: ['services', 'redis', 'auth'] },
);
