import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createInvoiceLink, CreateInvoiceLinkInput, invoiceLinkParams } from '../../commands/create-invoice-link.ts';
import { changeInvoiceLinkStatus, deleteInvoiceLink, InvoiceLinkStatusInput } from '../../commands/update-invoice-link.ts';
import type { InvoiceLink } from '../../projections/invoice-links/queries.ts';
import { getInvoiceLinkBySlug, listOwnInvoiceLinks } from '../../projections/invoice-links/queries.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { commandContext } from '../command-context.ts';
import { ApiError } from '../errors.ts';
import { principalOf } from '../auth/principal.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';
import { CreatedInvoiceLink, InvoiceLinkStatus, InvoiceLinkView } from '../schemas/invoice-link.ts';

const IdParams = z.object({ id: z.uuid() });
const SlugParams = z.object({ slug: z.string().regex(/^[A-Za-z0-9_-]{16}$/, 'a 16-character link slug') });

const shareUrl = (request: FastifyRequest, slug: string): string => `${request.protocol}://${request.host}/v1/invoice-links/${slug}`;
const view = (request: FastifyRequest, link: InvoiceLink) => ({ ...link, shareUrl: shareUrl(request, link.slug), ...invoiceLinkParams(link) });

/** Invoice links: a payable request for a stream, shared by an unguessable slug. */
const invoiceLinks: FastifyPluginAsyncZod = async (app) => {
  const read = { policy: { auth: 'required', scopes: ['invoice-links:read'], reads: ['invoice-links'] } satisfies RoutePolicy };
  const write = { policy: { auth: 'required', scopes: ['invoice-links:write'] } satisfies RoutePolicy };
  const security = [{ bearer: [] }];
  const tags = ['invoice-links'];
  const deps = () => ({ store: app.services.eventStore });

  app.post('/invoice-links', {
    config: write,
    schema: { tags, security, headers: IdempotencyHeaders, body: CreateInvoiceLinkInput, response: { 201: CreatedInvoiceLink, ...errorResponses } },
  }, async (request, reply) => {
    const r = await createInvoiceLink(deps(), request.body, commandContext(request));
    return reply.code(201).send({ id: r.id, slug: r.slug, status: r.status, shareUrl: shareUrl(request, r.slug), xdrParams: r.xdrParams, params: r.params, expiresAt: r.expiresAt });
  });

  app.get('/invoice-links/:slug', {
    config: { policy: { auth: 'public', reads: ['invoice-links'] } },
    schema: {
      tags, params: SlugParams,
      description: 'Public (no authentication, rate limited). 410 INVOICE_LINK.EXPIRED past `expiresAt`, 404 for an unknown or deleted link.',
      response: { 200: InvoiceLinkView, 410: errorResponses[404], ...errorResponses },
    },
  }, async (request) => {
    const now = new Date().toISOString();
    const link = await withReadScope(app.services.db, {}, (trx) => getInvoiceLinkBySlug(trx, request.params.slug, now));
    if (!link || link.status === 'DELETED') throw new ApiError(404, 'INVOICE_LINK.NOT_FOUND', 'no such invoice link');
    if (link.status === 'EXPIRED') throw new ApiError(410, 'INVOICE_LINK.EXPIRED', 'this invoice link has expired', { expiresAt: link.expiresAt });
    return view(request, link);
  });

  app.get('/invoice-links', {
    config: read,
    schema: {
      tags, security,
      querystring: z.object({ cursor: z.string().max(512).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: { 200: z.object({ items: z.array(InvoiceLinkView), nextCursor: z.string().nullable() }), ...errorResponses },
    },
  }, async (request) => {
    const wallet = principalOf(request).address;
    const now = new Date().toISOString();
    const { cursor, limit } = request.query;
    const page = await withReadScope(app.services.db, { wallet }, (trx) => listOwnInvoiceLinks(trx, wallet, { ...(cursor ? { cursor } : {}), limit }, now));
    return { items: page.items.map((l) => view(request, l)), nextCursor: page.nextCursor };
  });

  app.patch('/invoice-links/:id/status', {
    config: write,
    schema: {
      tags, security, headers: IdempotencyHeaders, params: IdParams, body: InvoiceLinkStatusInput,
      description: 'DRAFT → SIGNED by the payer with the submitted transaction hash. Any other transition is 422 INVOICE_LINK.INVALID_TRANSITION with `details.current` and `details.requested`; COMPLETED comes from the chain.',
      response: { 200: z.object({ id: z.string(), status: InvoiceLinkStatus, revision: z.number().int() }), 410: errorResponses[404], ...errorResponses },
    },
  }, async (request) => {
    const r = await changeInvoiceLinkStatus(deps(), request.params.id, request.body, commandContext(request));
    return { id: r.id, status: r.status as z.infer<typeof InvoiceLinkStatus>, revision: r.revision };
  });

  app.delete('/invoice-links/:id', {
    config: write,
    schema: {
      tags, security, params: IdParams,
      description: 'Only a DRAFT, only by its creator (403 otherwise).',
      response: { 204: z.null(), 410: errorResponses[404], ...errorResponses },
    },
  }, async (request, reply) => {
    await deleteInvoiceLink(deps(), request.params.id, commandContext(request));
    return reply.code(204).send(null);
  });
};

export default invoiceLinks;
