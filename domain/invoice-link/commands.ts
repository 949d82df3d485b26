import type { Address, CommandMetadata, Timestamp } from '../shared/types.ts';

/** The slug and id arrive ready-made: randomness stays outside the domain. */
export type CreateInvoiceLink = {
  type: 'CreateInvoiceLink';
  data: {
    linkId: string;
    slug: string;
    receiver: Address;
    token: Address;
    amount: bigint;
    durationSeconds: number;
    description: string | null;
    pdfUrl: string | null;
    expiresAt: Timestamp;
  };
  metadata: CommandMetadata;
};

/** Asks for a status: only DRAFT → SIGNED (by the payer, with the transaction hash) is allowed here. */
export type ChangeInvoiceLinkStatus = {
  type: 'ChangeInvoiceLinkStatus';
  data: { linkId: string; status: string; txHash: string | null };
  metadata: CommandMetadata;
};

export type DeleteInvoiceLink = { type: 'DeleteInvoiceLink'; data: { linkId: string }; metadata: CommandMetadata };

export type InvoiceLinkCommand = CreateInvoiceLink | ChangeInvoiceLinkStatus | DeleteInvoiceLink;
