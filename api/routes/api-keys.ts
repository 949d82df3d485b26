import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { generateApiKey } from '../auth/api-keys.ts';
import { grants, ScopeSchema, type Scope } from '../auth/scopes.ts';
import { ApiError } from '../errors.ts';
import { principalOf, tenantOf } from '../auth/principal.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { errorResponses } from '../schemas/common.ts';
import { withTenantScope } from '../../platform/tenant-scope.ts';

const ApiKeyView = z
  .object({
    id: z.uuid(),
    prefix: z.string().describe('The first characters of the key, to recognise it'),
    name: z.string(),
    scopes: z.array(ScopeSchema),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiKey' });
const CreateApiKey = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(ScopeSchema).min(1).max(20).refine((s) => new Set(s).size === s.length, 'scopes must not repeat'),
});

/** API keys of the caller's tenant: create (the key is shown once), list, revoke. */
const apiKeys: FastifyPluginAsyncZod = async (app) => {
  const config = { policy: { auth: 'required', scopes: ['admin:all'], tenant: true } satisfies RoutePolicy };
  const security = [{ bearer: [] }];
  const { db } = app.services;

  app.post('/api-keys', {
    // The answer shows the key once: never stored under an Idempotency-Key (a repeat is 409).
    config: { policy: { ...config.policy, replay: 'never' } satisfies RoutePolicy },
    schema: {
      tags: ['api-keys'], security, body: CreateApiKey,
      response: { 201: ApiKeyView.extend({ key: z.string().describe('Shown once: store it now') }), ...errorResponses },
    },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const principal = principalOf(request);
    const scopes = request.body.scopes as Scope[];
    const beyond = scopes.filter((scope) => !grants(principal.scopes, scope));
    if (beyond.length > 0) throw new ApiError(403, 'AUTH.SCOPE_MISSING', `a key cannot grant scopes it lacks: ${beyond.join(', ')}`, { scope: beyond[0] });
    const { key, prefix } = generateApiKey(app.apiKeysLive);
    const row = await withTenantScope(db, { tenantId: tenant }, (trx) => trx
      .insertInto('api_keys')
      .values({ tenant_id: tenant, created_by: principal.apiKeyId ? `api-key:${principal.apiKeyId}` : principal.address, name: request.body.name, prefix, key_hash: app.apiKeys.hash(key), scopes })
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow());
    return reply.code(201).send({ id: row.id, key, prefix, name: request.body.name, scopes, createdAt: row.created_at.toISOString(), lastUsedAt: null });
  });

  app.get('/api-keys', {
    config,
    schema: { tags: ['api-keys'], security, response: { 200: z.object({ items: z.array(ApiKeyView) }), ...errorResponses } },
  }, async (request) => {
    const tenant = tenantOf(request);
    const rows = await withTenantScope(db, { tenantId: tenant }, (trx) => trx
      .selectFrom('api_keys')
      .select(['id', 'prefix', 'name', 'scopes', 'created_at', 'last_used_at'])
      .where('tenant_id', '=', tenant)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute());
    return {
      items: rows.map((r) => ({
        id: r.id, prefix: r.prefix, name: r.name, scopes: r.scopes as Scope[],
        createdAt: r.created_at.toISOString(), lastUsedAt: r.last_used_at?.toISOString() ?? null,
      })),
    };
  });

  app.delete('/api-keys/:id', {
    config,
    schema: { tags: ['api-keys'], security, params: z.object({ id: z.uuid() }), response: { 204: z.null(), ...errorResponses } },
  }, async (request, reply) => {
    if (!(await app.apiKeys.revoke(tenantOf(request), request.params.id))) {
      throw new ApiError(404, 'API_KEY.NOT_FOUND', `no active API key ${request.params.id}`);
    }
    return reply.code(204).send(null);
  });
};

export default apiKeys;
