import type { CallOptions, Transport } from './transport.ts';
import type { CreatedInvoiceLink, CreateInvoiceLinkInput, InvoiceLink, InvoiceLinkFilter, InvoiceLinkPage, InvoiceLinkStatusChanged, InvoiceLinkStatusInput } from './types.ts';

const linkPath = (idOrSlug: string, rest = '') => `v1/invoice-links/${encodeURIComponent(idOrSlug)}${rest}`;

/**
 * Invoice links: a payable request for a stream, shared by an unguessable slug.
 *
 * @example const { getInvoiceLinkBySlug } = invoiceLinkMethods(createTransport({ baseUrl }));
 */
export function invoiceLinkMethods(send: Transport) {
  return {
    /**
     * Creates a DRAFT link; share `shareUrl`, the payer signs the call built from `xdrParams`.
     *
     * @example const { slug, shareUrl } = await client.createInvoiceLink({ receiver: me, amount: 5_000_000n, tokenAddress, duration: 3600 });
     */
    createInvoiceLink(input: CreateInvoiceLinkInput, options?: CallOptions): Promise<CreatedInvoiceLink> {
      return send({ method: 'POST', path: 'v1/invoice-links', body: input, idempotent: true }, options);
    },

    /**
     * A link by its slug: public, no credentials needed. 410 INVOICE_LINK.EXPIRED once expired.
     *
     * @example const link = await new SubstreamClient({ baseUrl }).getInvoiceLinkBySlug(slug);
     */
    getInvoiceLinkBySlug(slug: string, options?: CallOptions): Promise<InvoiceLink> {
      return send({ method: 'GET', path: linkPath(slug) }, options);
    },

    /**
     * One page of the links the caller created or paid; pass `nextCursor` back as `cursor`.
     *
     * @example const { items, nextCursor } = await client.listInvoiceLinks({ limit: 20 });
     */
    listInvoiceLinks(filter: InvoiceLinkFilter = {}, options?: CallOptions): Promise<InvoiceLinkPage> {
      return send({ method: 'GET', path: 'v1/invoice-links', query: filter }, options);
    },

    /**
     * DRAFT → SIGNED by the payer with the submitted transaction hash; any other move is 422
     * INVOICE_LINK.INVALID_TRANSITION.
     *
     * @example await payer.updateInvoiceLinkStatus(link.id, { status: 'SIGNED', txHash });
     */
    updateInvoiceLinkStatus(id: string, input: InvoiceLinkStatusInput, options?: CallOptions): Promise<InvoiceLinkStatusChanged> {
      return send({ method: 'PATCH', path: linkPath(id, '/status'), body: input, idempotent: true }, options);
    },

    /**
     * Deletes a DRAFT link (its creator only).
     *
     * @example await client.deleteInvoiceLink(link.id);
     */
    async deleteInvoiceLink(id: string, options?: CallOptions): Promise<void> {
      await send({ method: 'DELETE', path: linkPath(id), idempotent: true }, options);
    },
  };
}

export type InvoiceLinkMethods = ReturnType<typeof invoiceLinkMethods>;
