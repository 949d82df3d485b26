import { z } from 'zod';
import { invoiceLinkDecider } from '../domain/invoice-link/decide.ts';
import { invoiceLinkStreamId } from '../domain/invoice-link/events.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { handleCommand } from './handle-command.ts';

export const InvoiceLinkStatusInput = z
  .object({
    status: z.enum(['DRAFT', 'SIGNED', 'COMPLETED', 'EXPIRED', 'DELETED']),
    txHash: z.string().regex(/^[0-9a-f]{64}$/i, 'a transaction hash: 64 hex characters').optional(),
  })
  .meta({ id: 'InvoiceLinkStatusInput' });
export type InvoiceLinkStatusInput = z.infer<typeof InvoiceLinkStatusInput>;

/**
 * Asks for a status change: only DRAFT → SIGNED by the payer with the transaction hash passes the
 * decider (INVOICE_LINK.INVALID_TRANSITION with current and requested otherwise).
 *
 * @example await changeInvoiceLinkStatus({ store }, linkId, { status: 'SIGNED', txHash }, context);
 */
export async function changeInvoiceLinkStatus(deps: Pick<CommandDeps, 'store'>, linkId: string, input: InvoiceLinkStatusInput, context: CommandContext) {
  const { status, txHash } = InvoiceLinkStatusInput.parse(input);
  const result = await handleCommand(
    deps.store,
    invoiceLinkStreamId(linkId),
    invoiceLinkDecider,
    { type: 'ChangeInvoiceLinkStatus', data: { linkId, status, txHash: txHash?.toLowerCase() ?? null }, metadata: { now: context.now, actor: context.actor } },
    traceOf(context, context.tenantId),
  );
  return { id: linkId, status: result.state.status, revision: result.revision };
}

/** Deletes a DRAFT link; only its creator may (INVOICE_LINK.FORBIDDEN). */
export async function deleteInvoiceLink(deps: Pick<CommandDeps, 'store'>, linkId: string, context: CommandContext) {
  const result = await handleCommand(
    deps.store,
    invoiceLinkStreamId(linkId),
    invoiceLinkDecider,
    { type: 'DeleteInvoiceLink', data: { linkId }, metadata: { now: context.now, actor: context.actor } },
    traceOf(context, context.tenantId ?? context.actor),
  );
  return { id: linkId, revision: result.revision };
}
