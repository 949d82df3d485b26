import { assertNever } from '../shared/errors.ts';
import type { Address, Timestamp } from '../shared/types.ts';
import type { StreamEvent } from './events.ts';
import { unixSeconds, type Schedule } from './math.ts';

/** `requested`: only the sender's intent; the rest follow the chain's facts. */
export type StreamStatus = 'none' | 'requested' | 'active' | 'paused' | 'cancelled';

export interface StreamState {
  status: StreamStatus;
  contractId: Address | null;
  /** The on-chain u64 stream id (null for a creation request). */
  streamId: string | null;
  sender: Address | null;
  receiver: Address | null;
  token: Address | null;
  /** Initial amount plus every top-up. */
  deposited: bigint;
  withdrawn: bigint;
  /** What the sender got back on cancellation. */
  refunded: bigint;
  startAt: Timestamp | null;
  cliffAt: Timestamp | null;
  endAt: Timestamp | null;
  memo: string | null;
  requestedAt: Timestamp | null;
  createdAt: Timestamp | null;
  /** The last withdrawal asked for and not yet seen on chain. */
  pendingWithdrawal: bigint | null;
  cancelRequestedAt: Timestamp | null;
  cancelledAt: Timestamp | null;
}

export const initialState = (): StreamState => ({
  status: 'none',
  contractId: null,
  streamId: null,
  sender: null,
  receiver: null,
  token: null,
  deposited: 0n,
  withdrawn: 0n,
  refunded: 0n,
  startAt: null,
  cliffAt: null,
  endAt: null,
  memo: null,
  requestedAt: null,
  createdAt: null,
  pendingWithdrawal: null,
  cancelRequestedAt: null,
  cancelledAt: null,
});

/** The schedule of a created stream, for the math (null before StreamCreated). */
export function scheduleOf(state: StreamState): Schedule | null {
  if (state.startAt === null || state.endAt === null || state.status === 'none' || state.status === 'requested') return null;
  return {
    start: unixSeconds(state.startAt),
    cliff: state.cliffAt === null ? null : unixSeconds(state.cliffAt),
    end: unixSeconds(state.endAt),
    deposited: state.deposited,
  };
}

/**
 * Folds one event. Facts arrive with or without their intents: StreamCreated fills in the stream
 * whatever came before; a withdrawal, top-up or cancellation seen before the creation still counts
 * (sums never depend on order). A cancellation is final: later pause/resume facts do not revive it.
 */
export function evolve(state: StreamState, event: StreamEvent): StreamState {
  switch (event.type) {
    case 'StreamCreationRequested': {
      const d = event.data;
      if (state.status !== 'none') return state;
      return {
        ...state,
        status: 'requested',
        contractId: d.contractId,
        sender: d.sender,
        receiver: d.receiver,
        token: d.token,
        deposited: BigInt(d.totalAmount),
        startAt: d.startAt,
        cliffAt: d.cliffAt,
        endAt: d.endAt,
        memo: d.memo,
        requestedAt: d.requestedAt,
      };
    }
    case 'WithdrawalRequested':
      return { ...state, pendingWithdrawal: BigInt(event.data.amount) };
    case 'StreamCancellationRequested':
      return { ...state, cancelRequestedAt: event.data.requestedAt };
    case 'StreamCreated': {
      const d = event.data;
      const toppedUp = state.status === 'none' || state.status === 'requested' ? 0n : state.deposited;
      return {
        ...state,
        status: state.status === 'none' || state.status === 'requested' ? 'active' : state.status,
        contractId: d.contractId,
        streamId: d.streamId,
        sender: d.sender,
        receiver: d.receiver,
        token: d.token,
        deposited: BigInt(d.totalAmount) + toppedUp,
        startAt: d.startAt,
        cliffAt: d.cliffAt,
        endAt: d.endAt,
        memo: d.memo,
        createdAt: d.createdAt,
      };
    }
    case 'StreamWithdrawn': {
      const base = withFacts(state, event.data);
      return { ...base, withdrawn: base.withdrawn + BigInt(event.data.amount), pendingWithdrawal: null };
    }
    case 'StreamToppedUp': {
      const base = withFacts(state, event.data);
      return { ...base, deposited: base.deposited + BigInt(event.data.amount) };
    }
    case 'StreamCancelled': {
      const d = event.data;
      const base = withFacts(state, d);
      return {
        ...base,
        status: 'cancelled',
        withdrawn: base.withdrawn + BigInt(d.toReceiver),
        refunded: base.refunded + BigInt(d.toSender),
        cancelledAt: d.cancelledAt,
        pendingWithdrawal: null,
      };
    }
    case 'StreamPaused': {
      const base = withFacts(state, event.data);
      return base.status === 'active' ? { ...base, status: 'paused' } : base;
    }
    case 'StreamResumed': {
      const base = withFacts(state, event.data);
      return base.status === 'paused' ? { ...base, status: 'active' } : base;
    }
    default:
      return assertNever(event);
  }
}

/** A fact on a stream whose creation we have not seen yet still names it. */
function withFacts(state: StreamState, ref: { contractId: string; streamId: string }): StreamState {
  if (state.status !== 'none' && state.status !== 'requested') return state;
  return { ...state, status: 'active', contractId: ref.contractId, streamId: ref.streamId, deposited: state.status === 'requested' ? 0n : state.deposited };
}
