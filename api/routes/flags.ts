import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { flagAudit, type TenantFlags } from '../flags/flags.ts';
import { principalOf, tenantOf } from '../auth/principal.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { errorResponses } from '../schemas/common.ts';

const FlagName = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter')
  .refine((name) => name !== 'bulk' && name !== 'audit', 'reserved name');
const Setting = z.object({ enabled: z.boolean(), value: z.unknown().describe('any JSON value, null when unset') }).meta({ id: 'FlagSetting' });
const FlagsView = z.object({ flags: z.record(z.string(), Setting), revision: z.number().int() }).meta({ id: 'TenantFlags' });
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** Any JSON value, named so OpenAPI can reference the recursion (an anonymous `z.json()` leaves a dangling `$ref`). */
const JsonValue: z.ZodType<Json> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]))
  .meta({ id: 'JsonValue' });
const Change = z.object({ enabled: z.boolean(), value: JsonValue.optional() });
const AuditEntry = z.object({
  flag: z.string(), actor: z.string().nullable(), at: z.iso.datetime(), from: Setting.nullable(), to: Setting,
});

function view(state: TenantFlags) {
  return { flags: Object.fromEntries([...state.flags].map(([name, s]) => [name, { enabled: s.enabled, value: s.value ?? null }])), revision: state.revision };
}

/** Tenant feature flags: read (any principal of the tenant), change and audit (flags:admin). */
const flags: FastifyPluginAsyncZod = async (app) => {
  const security = [{ bearer: [] }];
  const admin = { policy: { auth: 'required', scopes: ['flags:admin'], tenant: true } satisfies RoutePolicy };
  const context = (request: Parameters<typeof principalOf>[0]) => ({
    tenant: tenantOf(request), actor: principalOf(request).apiKeyId ? `api-key:${principalOf(request).apiKeyId}` : principalOf(request).address,
    correlationId: request.id, now: new Date().toISOString(),
  });

  app.get('/config/flags', {
    config: { policy: { auth: 'required', scopes: 'any', tenant: true } },
    schema: { tags: ['flags'], security, response: { 200: FlagsView, ...errorResponses } },
  }, async (request) => view(await app.flags.forTenant(tenantOf(request))));

  app.put('/admin/config/flags/bulk', {
    config: admin,
    schema: {
      tags: ['flags'], security,
      body: z.object({ flags: z.array(Change.extend({ name: FlagName })).min(1).max(100) }),
      response: { 200: FlagsView.extend({ changed: z.number().int() }), ...errorResponses },
    },
  }, async (request) => {
    const changes = request.body.flags.map(({ name, enabled, value }) => ({ flag: name, enabled, value }));
    const { state, changed } = await app.flags.change(changes, context(request));
    return { ...view(state), changed };
  });

  app.put('/admin/config/flags/:flagName', {
    config: admin,
    schema: {
      tags: ['flags'], security, params: z.object({ flagName: FlagName }), body: Change,
      response: { 200: FlagsView.extend({ changed: z.number().int() }), ...errorResponses },
    },
  }, async (request) => {
    const { state, changed } = await app.flags.change([{ flag: request.params.flagName, ...request.body }], context(request));
    return { ...view(state), changed };
  });

  app.get('/admin/config/flags/audit', {
    config: admin,
    schema: { tags: ['flags'], security, response: { 200: z.object({ items: z.array(AuditEntry) }), ...errorResponses } },
  }, async (request) => {
    return { items: await flagAudit(app.services.eventStore, tenantOf(request)) };
  });
};

export default flags;
