import type { Address, CommandMetadata, Timestamp } from '../shared/types.ts';

interface Ref {
  contractId: Address;
  streamId: string;
}

/** The sender's intent to open a stream; the chain confirms it with StreamCreated. */
export type RequestStreamCreation = {
  type: 'RequestStreamCreation';
  data: {
    requestId: string;
    contractId: Address;
    sender: Address;
    receiver: Address;
    token: Address;
    totalAmount: bigint;
    startAt: Timestamp;
    cliffAt: Timestamp | null;
    endAt: Timestamp;
    memo: string | null;
  };
  metadata: CommandMetadata;
};

/** The receiver asks to withdraw `amount` (everything withdrawable now when null). */
export type RequestWithdrawal = { type: 'RequestWithdrawal'; data: Ref & { amount: bigint | null }; metadata: CommandMetadata };

/** The sender asks to cancel: the receiver keeps what streamed, the sender gets the rest back. */
export type RequestStreamCancellation = { type: 'RequestStreamCancellation'; data: Ref; metadata: CommandMetadata };

export type StreamCommand = RequestStreamCreation | RequestWithdrawal | RequestStreamCancellation;
