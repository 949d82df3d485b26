import type { Address, Stroops, Timestamp } from '../shared/types.ts';

/** A payment request: whoever opens the described stream to `receiver` pays it. */
export type InvoiceLinkCreated = {
  type: 'InvoiceLinkCreated';
  data: {
    linkId: string;
    slug: string;
    creator: Address;
    receiver: Address;
    token: Address;
    amount: Stroops;
    durationSeconds: number;
    description: string | null;
    pdfUrl: string | null;
    expiresAt: Timestamp;
    createdAt: Timestamp;
  };
};
/** The payer submitted the stream's transaction (intent, by the payer). */
export type InvoiceLinkSigned = { type: 'InvoiceLinkSigned'; data: { linkId: string; payer: Address; txHash: string; signedAt: Timestamp } };
/** The chain's StreamCreated matched the link (recorded by the invoice-links projector). */
export type InvoiceLinkCompleted = {
  type: 'InvoiceLinkCompleted';
  data: { linkId: string; contractId: Address; streamId: string; payer: Address; completedAt: Timestamp };
};
export type InvoiceLinkDeleted = { type: 'InvoiceLinkDeleted'; data: { linkId: string; deletedAt: Timestamp } };

export type InvoiceLinkEvent = InvoiceLinkCreated | InvoiceLinkSigned | InvoiceLinkCompleted | InvoiceLinkDeleted;

export function invoiceLinkStreamId(linkId: string): string {
  return `invoice-link-${linkId}`;
}
