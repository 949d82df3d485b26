import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ContentInput, publishContent } from '../../commands/publish-content.ts';
import { deleteContent, updateContent } from '../../commands/update-content.ts';
import { gate, getContent, listCreatorContent, viewerOf, type Caller } from '../../projections/content/queries.ts';
import { withReadScope, type ReadScope } from '../../projections/read-scope.ts';
import { commandContext } from '../command-context.ts';
import { ApiError } from '../errors.ts';
import { tenantOf } from '../auth/principal.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { AccountAddress, errorResponses, IdempotencyHeaders } from '../schemas/common.ts';
import { ContentAccess, ContentView, WrittenContent } from '../schemas/content.ts';

const IdParams = z.object({ id: z.uuid() });

/** The caller of a route open to everyone (policy `optional`: a credential sent was valid), or null for anonymous. */
function callerOf(request: FastifyRequest): Caller {
  return request.principal && { address: request.principal.address, tenant: request.principal.tenant };
}

/** The caller's own subscriptions (wallet policy) and, for a creator, its own deleted items (tenant policy). */
function scopeOf(caller: Caller): ReadScope {
  if (caller === null) return {};
  return caller.tenant ? { wallet: caller.address, tenantId: caller.tenant } : { wallet: caller.address };
}

/** Tier-gated content: creators publish, everyone lists, the caller's subscription decides access. */
const content: FastifyPluginAsyncZod = async (app) => {
  const write = { policy: { auth: 'required', scopes: ['content:write'], tenant: true } satisfies RoutePolicy };
  // Content, gated by the caller's subscription to the creator and the creator's tiers.
  const optional = { policy: { auth: 'optional', reads: ['content', 'subscriptions', 'creators'] } satisfies RoutePolicy };
  const security = [{ bearer: [] }];
  const tags = ['content'];
  const deps = () => ({ store: app.services.eventStore });
  const context = (request: FastifyRequest) => ({ ...commandContext(request), tenantId: tenantOf(request) });

  app.post('/content', {
    config: write,
    schema: {
      tags, security, headers: IdempotencyHeaders, body: ContentInput,
      description: 'Publishes content for the caller\'s tenant. `minTier` must be one of its configured tiers (422 CONTENT.TIER_UNKNOWN).',
      response: { 201: WrittenContent, ...errorResponses },
    },
  }, async (request, reply) => {
    const r = await publishContent(deps(), request.body, context(request));
    return reply.code(201).send({ contentId: r.contentId, creator: r.creator, title: r.title, minTier: r.minTier, url: r.url, revision: r.revision });
  });

  app.put('/content/:id', {
    config: write,
    schema: {
      tags, security, headers: IdempotencyHeaders, params: IdParams, body: ContentInput,
      description: 'Replaces every field. Only the publishing creator (403 CONTENT.FORBIDDEN); 404 unknown, 410 deleted.',
      response: { 200: WrittenContent, 410: errorResponses[404], ...errorResponses },
    },
  }, async (request) => {
    const r = await updateContent(deps(), request.params.id, request.body, context(request));
    return { contentId: r.contentId, creator: r.creator, title: r.title, minTier: r.minTier, url: r.url, revision: r.revision };
  });

  app.delete('/content/:id', {
    config: write,
    schema: {
      tags, security, headers: IdempotencyHeaders, params: IdParams,
      description: 'Only the publishing creator (403 CONTENT.FORBIDDEN); 404 unknown, 410 already deleted.',
      response: { 204: z.null(), 410: errorResponses[404], ...errorResponses },
    },
  }, async (request, reply) => {
    await deleteContent(deps(), request.params.id, context(request));
    return reply.code(204).send(null);
  });

  app.get('/creators/:address/content', {
    config: optional,
    schema: {
      tags, security: [{}, ...security],
      description: 'Public; with a credential, `accessible` (and `url`) follow the caller\'s subscription to the creator. Newest first.',
      params: z.object({ address: AccountAddress }),
      querystring: z.object({ cursor: z.string().max(512).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: { 200: z.object({ items: z.array(ContentView), nextCursor: z.string().nullable() }), ...errorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const { address } = request.params;
    const { cursor, limit } = request.query;
    return withReadScope(app.services.db, scopeOf(caller), async (trx) => {
      const page = await listCreatorContent(trx, address, { ...(cursor ? { cursor } : {}), limit });
      const viewer = await viewerOf(trx, address, caller);
      return { items: page.items.map((item) => gate(item, viewer)), nextCursor: page.nextCursor };
    });
  });

  app.get('/content/:id/access', {
    config: optional,
    schema: {
      tags, security: [{}, ...security], params: IdParams,
      description: 'Whether the caller (anonymous without a credential) may open the content, and why.',
      response: { 200: ContentAccess, 410: errorResponses[404], ...errorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    return withReadScope(app.services.db, scopeOf(caller), async (trx) => {
      const item = await getContent(trx, request.params.id);
      if (!item) throw new ApiError(404, 'CONTENT.NOT_FOUND', `no content ${request.params.id}`);
      if (item.status === 'deleted') throw new ApiError(410, 'CONTENT.DELETED', 'this content was deleted');
      const viewer = await viewerOf(trx, item.creator, caller);
      const { accessible, reason } = gate(item, viewer);
      return { allowed: accessible, reason, tier: item.minTier, subscriberTier: viewer.kind === 'subscriber' ? viewer.tier : null };
    });
  });
};

export default content;
