import { z } from 'zod';
import { AsOfApplied } from './as-of.ts';

const Time = z.string().nullable().describe('ISO-8601 UTC');
const Amount = z.string().describe('stroops, decimal string');

export const StreamStatus = z.enum(['active', 'paused', 'cancelled']);

export const StreamView = z
  .object({
    id: z.string().describe('`<contractId>-<onchainId>`'),
    contractId: z.string(),
    onchainId: z.string(),
    sender: z.string().nullable(),
    receiver: z.string().nullable(),
    token: z.string().nullable(),
    status: StreamStatus,
    phase: z.enum(['scheduled', 'streaming', 'completed', 'cancelled']).describe('where `at` falls in the schedule'),
    at: z.string().describe('the moment the amounts are computed for'),
    deposited: Amount.describe('initial amount plus top-ups'),
    streamed: Amount,
    withdrawn: Amount,
    withdrawable: Amount,
    remaining: Amount.describe('still held by the contract for this stream'),
    refunded: Amount,
    cancelSplit: z.object({ toReceiver: Amount, toSender: Amount }).nullable().describe('what cancelling at `at` would pay each side'),
    pendingWithdrawal: Amount.nullable(),
    startAt: Time,
    cliffAt: Time,
    endAt: Time,
    depletesAt: Time,
    memo: z.string().nullable(),
    createdAt: Time,
    cancelRequestedAt: Time,
    cancelledAt: Time,
    createdLedger: z.number().int().nullable(),
    createdTx: z.string().nullable(),
    updatedAt: z.string(),
    asOf: AsOfApplied.optional().describe('present on an as-of read: the bound the answer was folded for'),
  })
  .meta({ id: 'Stream' });

export const StreamContractCall = z
  .object({
    contractId: z.string(),
    function: z.string(),
    args: z.array(z.object({ name: z.string(), type: z.string(), value: z.string().nullable(), xdr: z.string().describe('base64 ScVal XDR') })),
  })
  .meta({ id: 'StreamContractCall' });
