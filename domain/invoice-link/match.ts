import type { StreamCreated } from '../stream/events.ts';
import { isAtOrAfter } from '../shared/time.ts';
import type { InvoiceLinkState } from './state.ts';

/**
 * Whether a chain StreamCreated pays the link: same receiver, amount, token and duration, the
 * link's slug as memo, while the link was still open (DRAFT or SIGNED, not yet expired).
 */
export function paysInvoiceLink(link: InvoiceLinkState, fact: StreamCreated['data']): boolean {
  if (link.status !== 'DRAFT' && link.status !== 'SIGNED') return false;
  if (link.expiresAt !== null && isAtOrAfter(fact.createdAt, link.expiresAt)) return false;
  const duration = (Date.parse(fact.endAt) - Date.parse(fact.startAt)) / 1000;
  return (
    fact.memo === link.slug &&
    fact.receiver === link.receiver &&
    fact.token === link.token &&
    link.amount !== null &&
    BigInt(fact.totalAmount) === link.amount &&
    duration === link.durationSeconds
  );
}
