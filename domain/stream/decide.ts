import { DomainError, assertNever } from '../shared/errors.ts';
import type { RequestStreamCancellation, RequestStreamCreation, RequestWithdrawal, StreamCommand } from './commands.ts';
import type { StreamCancellationRequested, StreamCreationRequested, StreamEvent, WithdrawalRequested } from './events.ts';
import { unixSeconds, withdrawable } from './math.ts';
import { evolve, initialState, scheduleOf, type StreamState } from './state.ts';

/** A stream the chain has confirmed, or STREAM.NOT_FOUND. */
function created(state: StreamState, ref: { contractId: string; streamId: string }): StreamState & { sender: string; receiver: string } {
  if (state.status === 'none' || state.status === 'requested' || state.sender === null || state.receiver === null) {
    throw new DomainError('STREAM.NOT_FOUND', `no stream ${ref.contractId}-${ref.streamId}`);
  }
  return state as StreamState & { sender: string; receiver: string };
}

function notCancelled(state: StreamState): void {
  if (state.status === 'cancelled') throw new DomainError('STREAM.ALREADY_CANCELLED', 'this stream is cancelled', { cancelledAt: state.cancelledAt });
}

/** Records the sender's intent; the schedule must be sound (end after start, cliff inside it). */
export function requestStreamCreation(command: RequestStreamCreation, state: StreamState): StreamCreationRequested[] {
  const d = command.data;
  if (state.status !== 'none') throw new DomainError('STREAM.ALREADY_REQUESTED', 'this creation request is already recorded');
  if (command.metadata.actor !== d.sender) throw new DomainError('STREAM.FORBIDDEN', 'only the sender may open a stream from its account');
  if (d.sender === d.receiver) throw new DomainError('STREAM.SELF_STREAM', 'the sender cannot stream to itself');
  if (d.totalAmount <= 0n) throw new DomainError('STREAM.INVALID_AMOUNT', 'the amount must be positive');
  const start = unixSeconds(d.startAt);
  const end = unixSeconds(d.endAt);
  if (end <= start) throw new DomainError('STREAM.INVALID_SCHEDULE', 'the end must come after the start', { startAt: d.startAt, endAt: d.endAt });
  if (d.cliffAt !== null) {
    const cliff = unixSeconds(d.cliffAt);
    if (cliff < start || cliff > end) throw new DomainError('STREAM.INVALID_SCHEDULE', 'the cliff must lie between start and end', { cliffAt: d.cliffAt });
  }
  return [{ type: 'StreamCreationRequested', data: { ...d, totalAmount: d.totalAmount.toString(), requestedAt: command.metadata.now } }];
}

/**
 * Only the receiver withdraws, and never more than has streamed and not been withdrawn at `now`
 * (STREAM.INSUFFICIENT_WITHDRAWABLE, with what is available). No amount means all of it.
 */
export function requestWithdrawal(command: RequestWithdrawal, state: StreamState): WithdrawalRequested[] {
  const { contractId, streamId, amount } = command.data;
  const { actor, now } = command.metadata;
  const stream = created(state, command.data);
  if (actor !== stream.receiver) throw new DomainError('STREAM.FORBIDDEN', 'only the receiver may withdraw from this stream');
  notCancelled(stream);
  const available = withdrawable(scheduleOf(stream)!, stream.withdrawn, unixSeconds(now));
  if (amount !== null && amount <= 0n) throw new DomainError('STREAM.INVALID_AMOUNT', 'the amount must be positive');
  const wanted = amount ?? available;
  if (wanted === 0n || wanted > available) {
    throw new DomainError('STREAM.INSUFFICIENT_WITHDRAWABLE', `only ${available} is withdrawable now`, {
      requested: wanted.toString(),
      withdrawable: available.toString(),
    });
  }
  return [{ type: 'WithdrawalRequested', data: { contractId, streamId, beneficiary: actor, amount: wanted.toString(), requestedAt: now } }];
}

/** Only the sender cancels a live stream, once. */
export function requestStreamCancellation(command: RequestStreamCancellation, state: StreamState): StreamCancellationRequested[] {
  const { contractId, streamId } = command.data;
  const { actor, now } = command.metadata;
  const stream = created(state, command.data);
  if (actor !== stream.sender) throw new DomainError('STREAM.FORBIDDEN', 'only the sender may cancel this stream');
  notCancelled(stream);
  if (stream.cancelRequestedAt !== null) {
    throw new DomainError('STREAM.CANCELLATION_ALREADY_REQUESTED', 'a cancellation is already waiting for the chain', {
      cancelRequestedAt: stream.cancelRequestedAt,
    });
  }
  return [{ type: 'StreamCancellationRequested', data: { contractId, streamId, caller: actor, requestedAt: now } }];
}

export function decide(command: StreamCommand, state: StreamState): StreamEvent[] {
  switch (command.type) {
    case 'RequestStreamCreation':
      return requestStreamCreation(command, state);
    case 'RequestWithdrawal':
      return requestWithdrawal(command, state);
    case 'RequestStreamCancellation':
      return requestStreamCancellation(command, state);
    default:
      return assertNever(command);
  }
}

/** The payment-stream aggregate as one value (`handleCommand` takes it). */
export const streamDecider = { initialState, evolve, decide };
