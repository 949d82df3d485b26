import { assertNever } from '../shared/errors.ts';
import { isAtOrAfter } from '../shared/time.ts';
import type { Address, Timestamp } from '../shared/types.ts';
import type { InvoiceLinkEvent } from './events.ts';

export type InvoiceLinkStatus = 'DRAFT' | 'SIGNED' | 'COMPLETED' | 'EXPIRED' | 'DELETED';
/** What is stored; EXPIRED is derived from `expiresAt` (`statusAt`). */
export type StoredInvoiceLinkStatus = Exclude<InvoiceLinkStatus, 'EXPIRED'> | 'NONE';

export interface InvoiceLinkState {
  status: StoredInvoiceLinkStatus;
  linkId: string | null;
  slug: string | null;
  creator: Address | null;
  receiver: Address | null;
  token: Address | null;
  amount: bigint | null;
  durationSeconds: number | null;
  expiresAt: Timestamp | null;
  payer: Address | null;
  txHash: string | null;
  completedStream: string | null;
}

export const initialState = (): InvoiceLinkState => ({
  status: 'NONE',
  linkId: null,
  slug: null,
  creator: null,
  receiver: null,
  token: null,
  amount: null,
  durationSeconds: null,
  expiresAt: null,
  payer: null,
  txHash: null,
  completedStream: null,
});

/** The status at `now`: a DRAFT or SIGNED link past its `expiresAt` is EXPIRED. */
export function statusAt(state: Pick<InvoiceLinkState, 'status' | 'expiresAt'>, now: Timestamp): InvoiceLinkStatus | 'NONE' {
  const open = state.status === 'DRAFT' || state.status === 'SIGNED';
  return open && state.expiresAt !== null && isAtOrAfter(now, state.expiresAt) ? 'EXPIRED' : state.status;
}

export function evolve(state: InvoiceLinkState, event: InvoiceLinkEvent): InvoiceLinkState {
  switch (event.type) {
    case 'InvoiceLinkCreated': {
      const d = event.data;
      return {
        ...state, status: 'DRAFT', linkId: d.linkId, slug: d.slug, creator: d.creator, receiver: d.receiver, token: d.token,
        amount: BigInt(d.amount), durationSeconds: d.durationSeconds, expiresAt: d.expiresAt,
      };
    }
    case 'InvoiceLinkSigned':
      return state.status === 'DRAFT' ? { ...state, status: 'SIGNED', payer: event.data.payer, txHash: event.data.txHash } : state;
    case 'InvoiceLinkCompleted':
      return { ...state, status: 'COMPLETED', payer: event.data.payer, completedStream: `${event.data.contractId}-${event.data.streamId}` };
    case 'InvoiceLinkDeleted':
      return { ...state, status: 'DELETED' };
    default:
      return assertNever(event);
  }
}
