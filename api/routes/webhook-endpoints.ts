import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { listDeliveries, retryDelivery, type WebhookDelivery } from '../../integration/webhooks/deliveries.ts';
import { endpointUrlProblem } from '../../integration/webhooks/endpoint-url.ts';
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, rotateSecret, updateEndpoint, type WebhookEndpoint } from '../../integration/webhooks/endpoints.ts';
import { ApiError } from '../errors.ts';
import { tenantOf } from '../auth/principal.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { errorResponses } from '../schemas/common.ts';
import { withTenantScope } from '../../platform/tenant-scope.ts';
import type { Database } from '../../platform/schema.ts';
import { CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookDeliveryView, WebhookEndpointView, WebhookEndpointWithSecret } from '../schemas/webhook-endpoint.ts';

const IdParams = z.object({ id: z.uuid() });
const DeliveryParams = z.object({ id: z.uuid(), deliveryId: z.uuid() });

const view = (e: WebhookEndpoint): z.infer<typeof WebhookEndpointView> => ({
  id: e.id, url: e.url, description: e.description, events: e.events, enabled: e.status !== 'disabled', status: e.status,
  consecutiveFailures: e.consecutive_failures, disabledReason: e.disabled_reason, disabledAt: e.disabled_at?.toISOString() ?? null, createdAt: e.created_at.toISOString(), updatedAt: e.updated_at.toISOString(),
});
const withSecret = (e: WebhookEndpoint) => ({ ...view(e), secret: e.secret, previousSecretExpiresAt: e.previous_secret_expires_at?.toISOString() ?? null });
const deliveryView = (d: WebhookDelivery): z.infer<typeof WebhookDeliveryView> => ({
  id: d.id, eventId: d.event_id, eventType: d.event_type, streamId: d.stream_id, status: d.status, attempts: d.attempts,
  nextAttemptAt: d.status === 'pending' ? d.next_attempt_at.toISOString() : null,
  lastAttemptAt: d.last_attempt_at?.toISOString() ?? null, lastStatusCode: d.last_status_code, lastError: d.last_error,
  responsePrefix: d.response_prefix, createdAt: d.created_at.toISOString(), deliveredAt: d.delivered_at?.toISOString() ?? null,
});
const notFound = (id: string) => new ApiError(404, 'WEBHOOK_ENDPOINT.NOT_FOUND', `no webhook endpoint ${id}`);

/** A tenant's outbound webhook endpoints (signed deliveries of its integration events) and their deliveries. */
const webhookEndpoints: FastifyPluginAsyncZod = async (app) => {
  const read = { policy: { auth: 'required', scopes: ['webhooks:read'], tenant: true } satisfies RoutePolicy };
  const write = { policy: { auth: 'required', scopes: ['webhooks:write'], tenant: true } satisfies RoutePolicy };
  // The answer shows the signing secret once: never stored under an Idempotency-Key (a repeat is 409).
  const showsSecret = { policy: { ...write.policy, replay: 'never' } satisfies RoutePolicy };
  const security = [{ bearer: [] }];
  const tags = ['webhooks'];
  const { db, config } = app.services;
  /** Every query here runs under the tenant's row-level security (webhook_endpoints, webhook_deliveries). */
  const asTenant = <T>(tenant: string, fn: (conn: Kysely<Database>) => Promise<T>) => withTenantScope(db, { tenantId: tenant }, fn);
  const checkUrl = (url: string) => {
    const problem = endpointUrlProblem(url, config.OUTBOUND_ALLOW_PRIVATE);
    if (problem) throw new ApiError(400, 'WEBHOOK_ENDPOINT.URL_REFUSED', problem, { url });
  };

  app.post('/webhook-endpoints', {
    config: showsSecret,
    schema: { tags, security, body: CreateWebhookEndpoint, response: { 201: WebhookEndpointWithSecret, ...errorResponses } },
  }, async (request, reply) => {
    checkUrl(request.body.url);
    const tenant = tenantOf(request);
    const { WEBHOOK_MAX_ENDPOINTS_PER_TENANT: max } = app.services.config;
    const created = await asTenant(tenant, async (conn) => {
      // Count and insert as one step per tenant: concurrent registrations queue here, not past the cap.
      await sql`select pg_advisory_xact_lock(hashtextextended(${`webhook-endpoints:${tenant}`}, 0))`.execute(conn);
      if ((await listEndpoints(conn, tenant)).length >= max) {
        throw new ApiError(422, 'WEBHOOK_ENDPOINT.LIMIT_REACHED', `a tenant holds at most ${max} webhook endpoints: delete one first`, { max });
      }
      return createEndpoint(conn, tenant, request.body);
    });
    return reply.code(201).send(withSecret(created));
  });

  app.get('/webhook-endpoints', {
    config: read,
    schema: { tags, security, response: { 200: z.object({ items: z.array(WebhookEndpointView) }), ...errorResponses } },
  }, async (request) => {
    const tenant = tenantOf(request);
    return { items: (await asTenant(tenant, (conn) => listEndpoints(conn, tenant))).map(view) };
  });

  app.get('/webhook-endpoints/:id', {
    config: read,
    schema: { tags, security, params: IdParams, response: { 200: WebhookEndpointView, ...errorResponses } },
  }, async (request) => {
    const tenant = tenantOf(request);
    const endpoint = await asTenant(tenant, (conn) => getEndpoint(conn, tenant, request.params.id));
    if (!endpoint) throw notFound(request.params.id);
    return view(endpoint);
  });

  app.patch('/webhook-endpoints/:id', {
    config: write,
    schema: { tags, security, params: IdParams, body: UpdateWebhookEndpoint, response: { 200: WebhookEndpointView, ...errorResponses } },
  }, async (request) => {
    if (request.body.url !== undefined) checkUrl(request.body.url);
    const tenant = tenantOf(request);
    const endpoint = await asTenant(tenant, (conn) => updateEndpoint(conn, tenant, request.params.id, request.body));
    if (!endpoint) throw notFound(request.params.id);
    return view(endpoint);
  });

  app.delete('/webhook-endpoints/:id', {
    config: write,
    schema: { tags, security, params: IdParams, response: { 204: z.null(), ...errorResponses } },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    if (!(await asTenant(tenant, (conn) => deleteEndpoint(conn, tenant, request.params.id)))) throw notFound(request.params.id);
    return reply.code(204).send(null);
  });

  app.post('/webhook-endpoints/:id/rotate-secret', {
    config: showsSecret,
    schema: {
      tags, security, params: IdParams,
      description: 'A new secret, shown once; the replaced one keeps signing deliveries (a second `v1`) for 24 h.',
      response: { 200: WebhookEndpointWithSecret, ...errorResponses },
    },
  }, async (request) => {
    const tenant = tenantOf(request);
    const endpoint = await asTenant(tenant, (conn) => rotateSecret(conn, tenant, request.params.id));
    if (!endpoint) throw notFound(request.params.id);
    return withSecret(endpoint);
  });

  app.get('/webhook-endpoints/:id/deliveries', {
    config: read,
    schema: {
      tags, security, params: IdParams,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().regex(/^\d{1,19}$/, 'a cursor from nextCursor').optional() }),
      response: { 200: z.object({ items: z.array(WebhookDeliveryView), nextCursor: z.string().nullable() }), ...errorResponses },
    },
  }, async (request) => {
    const tenant = tenantOf(request);
    const { limit, cursor } = request.query;
    const rows = await asTenant(tenant, async (conn) => {
      if (!(await getEndpoint(conn, tenant, request.params.id))) throw notFound(request.params.id);
      return listDeliveries(conn, tenant, request.params.id, { limit, before: cursor });
    });
    return { items: rows.map(deliveryView), nextCursor: rows.length === limit ? String(rows[rows.length - 1]!.seq) : null };
  });

  app.post('/webhook-endpoints/:id/deliveries/:deliveryId/retry', {
    config: write,
    schema: {
      tags, security, params: DeliveryParams,
      description: 'Sends the delivery again as soon as a worker is free (after the earlier pending deliveries of its stream).',
      response: { 202: WebhookDeliveryView, ...errorResponses },
    },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const delivery = await asTenant(tenant, (conn) => retryDelivery(conn, tenant, request.params.id, request.params.deliveryId));
    if (!delivery) throw new ApiError(404, 'WEBHOOK_DELIVERY.NOT_FOUND', `no delivery ${request.params.deliveryId} on endpoint ${request.params.id}`);
    return reply.code(202).send(deliveryView(delivery));
  });
};

export default webhookEndpoints;
