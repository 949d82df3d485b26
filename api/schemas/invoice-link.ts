import { z } from 'zod';

const Arg = z.object({ name: z.string(), type: z.string(), value: z.string().nullable(), xdr: z.string().describe('base64 ScVal XDR') });

export const InvoiceLinkStatus = z.enum(['DRAFT', 'SIGNED', 'COMPLETED', 'EXPIRED', 'DELETED']);

export const InvoiceLinkView = z
  .object({
    id: z.string(),
    slug: z.string(),
    status: InvoiceLinkStatus,
    shareUrl: z.string(),
    creator: z.string(),
    receiver: z.string(),
    token: z.string(),
    amount: z.string().describe('stroops, decimal string'),
    durationSeconds: z.number().int(),
    description: z.string().nullable(),
    pdfUrl: z.string().nullable(),
    payer: z.string().nullable(),
    txHash: z.string().nullable(),
    completedStream: z.string().nullable().describe('`<contractId>-<onchainId>` of the stream that paid it'),
    expiresAt: z.string(),
    createdAt: z.string(),
    xdrParams: z.string().describe('base64 XDR of ScVal Vec[receiver, token, amount: i128, duration: u64, memo: String = slug]'),
    params: z.array(Arg),
  })
  .meta({ id: 'InvoiceLink' });

export const CreatedInvoiceLink = z
  .object({
    id: z.string(),
    slug: z.string(),
    status: z.literal('DRAFT'),
    shareUrl: z.string(),
    xdrParams: InvoiceLinkView.shape.xdrParams,
    params: z.array(Arg),
    expiresAt: z.string(),
  })
  .meta({ id: 'CreatedInvoiceLink' });
