import type { Address, Stroops, Timestamp } from '../shared/types.ts';

/** On-chain payment streams are identified by (contract id, stream id); `streamId` is the u64 as a string. */
interface Ref {
  contractId: Address;
  streamId: string;
}

// Facts, recorded by the indexer (../shared/CONTRACT_EVENTS.md, StellarStream V1 and V2).
/** What a stream is opened with: the same in the request (intent) and in the chain's creation (fact). */
export type StreamTerms = {
  sender: Address;
  receiver: Address;
  token: Address;
  totalAmount: Stroops;
  startAt: Timestamp;
  cliffAt: Timestamp | null;
  endAt: Timestamp;
  memo: string | null;
};

export type StreamCreated = { type: 'StreamCreated'; data: Ref & StreamTerms & { createdAt: Timestamp } };
export type StreamWithdrawn = {
  type: 'StreamWithdrawn';
  data: Ref & { beneficiary: Address; amount: Stroops; withdrawnTotal: Stroops | null; withdrawnAt: Timestamp };
};
export type StreamToppedUp = { type: 'StreamToppedUp'; data: Ref & { caller: Address; amount: Stroops; toppedUpAt: Timestamp } };
export type StreamCancelled = {
  type: 'StreamCancelled';
  data: Ref & { caller: Address; toReceiver: Stroops; toSender: Stroops; cancelledAt: Timestamp };
};
export type StreamPaused = { type: 'StreamPaused'; data: Ref & { caller: Address | null; pausedAt: Timestamp } };
export type StreamResumed = { type: 'StreamResumed'; data: Ref & { caller: Address | null; resumedAt: Timestamp } };

export type StreamFact = StreamCreated | StreamWithdrawn | StreamToppedUp | StreamCancelled | StreamPaused | StreamResumed;

// Intents, recorded by commands. The chain assigns the stream id on creation, so a creation
// request lives in its own stream (`streamRequestId`); withdrawals and cancellations live in the
// on-chain stream's, beside the facts that confirm them.
export type StreamCreationRequested = {
  type: 'StreamCreationRequested';
  data: { requestId: string; contractId: Address } & StreamTerms & { requestedAt: Timestamp };
};
export type WithdrawalRequested = { type: 'WithdrawalRequested'; data: Ref & { beneficiary: Address; amount: Stroops; requestedAt: Timestamp } };
export type StreamCancellationRequested = { type: 'StreamCancellationRequested'; data: Ref & { caller: Address; requestedAt: Timestamp } };

export type StreamIntent = StreamCreationRequested | WithdrawalRequested | StreamCancellationRequested;
export type StreamEvent = StreamIntent | StreamFact;

/** One event-store stream per on-chain stream. */
export function paymentStreamId(contractId: Address, streamId: string): string {
  return `stream-${contractId}-${streamId}`;
}

/** The stream of a creation request, before the chain has given the stream its id. */
export function streamRequestId(requestId: string): string {
  return `stream-request-${requestId}`;
}
