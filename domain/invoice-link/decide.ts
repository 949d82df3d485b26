import { DomainError, assertNever } from '../shared/errors.ts';
import { isAtOrAfter } from '../shared/time.ts';
import type { ChangeInvoiceLinkStatus, CreateInvoiceLink, DeleteInvoiceLink, InvoiceLinkCommand } from './commands.ts';
import type { InvoiceLinkCreated, InvoiceLinkDeleted, InvoiceLinkEvent, InvoiceLinkSigned } from './events.ts';
import { evolve, initialState, statusAt, type InvoiceLinkState } from './state.ts';

function existing(state: InvoiceLinkState, linkId: string): InvoiceLinkState {
  if (state.status === 'NONE' || state.status === 'DELETED') throw new DomainError('INVOICE_LINK.NOT_FOUND', `no invoice link ${linkId}`);
  return state;
}

const invalidTransition = (current: string, requested: string) =>
  new DomainError('INVOICE_LINK.INVALID_TRANSITION', `an invoice link cannot go from ${current} to ${requested}`, { current, requested });

/** A new DRAFT link; the amount must be positive, the duration at least a second, the expiry in the future. */
export function createInvoiceLink(command: CreateInvoiceLink, state: InvoiceLinkState): InvoiceLinkCreated[] {
  const d = command.data;
  const { actor, now } = command.metadata;
  if (state.status !== 'NONE') throw new DomainError('INVOICE_LINK.ALREADY_EXISTS', 'this invoice link already exists');
  if (d.amount <= 0n) throw new DomainError('INVOICE_LINK.INVALID_AMOUNT', 'the amount must be positive');
  if (d.durationSeconds < 1) throw new DomainError('INVOICE_LINK.INVALID_DURATION', 'the duration must be at least one second');
  if (isAtOrAfter(now, d.expiresAt)) throw new DomainError('INVOICE_LINK.INVALID_EXPIRY', 'the expiry must be in the future', { expiresAt: d.expiresAt });
  return [{ type: 'InvoiceLinkCreated', data: { ...d, amount: d.amount.toString(), creator: actor, createdAt: now } }];
}

/**
 * DRAFT → SIGNED by the payer (anyone but the receiver) with the transaction hash. Every other
 * requested status is INVOICE_LINK.INVALID_TRANSITION naming the current and requested status;
 * an expired link is INVOICE_LINK.EXPIRED.
 */
export function changeStatus(command: ChangeInvoiceLinkStatus, state: InvoiceLinkState): InvoiceLinkSigned[] {
  const { linkId, status, txHash } = command.data;
  const { actor, now } = command.metadata;
  const link = existing(state, linkId);
  const current = statusAt(link, now);
  if (current === 'EXPIRED') throw new DomainError('INVOICE_LINK.EXPIRED', 'this invoice link has expired', { current, requested: status, expiresAt: link.expiresAt });
  if (current !== 'DRAFT' || status !== 'SIGNED') throw invalidTransition(current, status);
  if (actor === link.receiver) throw new DomainError('INVOICE_LINK.FORBIDDEN', 'the receiver cannot pay its own invoice');
  if (txHash === null) throw new DomainError('INVOICE_LINK.TX_HASH_REQUIRED', 'signing needs the submitted transaction hash');
  return [{ type: 'InvoiceLinkSigned', data: { linkId, payer: actor, txHash, signedAt: now } }];
}

/** Only the creator deletes, and only a DRAFT (403 / 422 otherwise). */
export function deleteInvoiceLink(command: DeleteInvoiceLink, state: InvoiceLinkState): InvoiceLinkDeleted[] {
  const { linkId } = command.data;
  const { actor, now } = command.metadata;
  const link = existing(state, linkId);
  if (actor !== link.creator) throw new DomainError('INVOICE_LINK.FORBIDDEN', 'only the creator may delete this invoice link');
  const current = statusAt(link, now);
  if (current !== 'DRAFT') throw invalidTransition(current, 'DELETED');
  return [{ type: 'InvoiceLinkDeleted', data: { linkId, deletedAt: now } }];
}

export function decide(command: InvoiceLinkCommand, state: InvoiceLinkState): InvoiceLinkEvent[] {
  switch (command.type) {
    case 'CreateInvoiceLink':
      return createInvoiceLink(command, state);
    case 'ChangeInvoiceLinkStatus':
      return changeStatus(command, state);
    case 'DeleteInvoiceLink':
      return deleteInvoiceLink(command, state);
    default:
      return assertNever(command);
  }
}

export const invoiceLinkDecider = { initialState, evolve, decide };
