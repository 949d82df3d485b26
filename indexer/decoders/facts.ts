import { z } from 'zod';

const address = z.string().regex(/^[GCM][A-Z2-7]{55,68}$/, 'a Stellar address');
const stroops = z.string().regex(/^-?\d+$/, 'a decimal integer');
const time = z.iso.datetime();
const pair = { subscriber: address, creator: address };
const ref = { contractId: address, streamId: z.string().regex(/^\d+$/) };

/** The zod schema of every domain fact the decoders emit (domain/subscription, domain/stream). */
export const FACT_SCHEMAS: Record<string, z.ZodType> = {
  SubscriptionActivated: z.strictObject({ ...pair, token: address.nullable(), ratePerSecond: stroops, planId: z.number().int().nonnegative().nullable(), activatedAt: time }),
  SubscriptionBilled: z.strictObject({ ...pair, amount: stroops, billedAt: time, merchantReferenceId: z.string().nullable(), receiptHash: z.string().regex(/^[0-9a-f]{64}$/).nullable() }),
  SubscriptionRenewed: z.strictObject({ ...pair, amount: stroops, nextBillingAt: time, renewedAt: time }),
  TrialStarted: z.strictObject({ ...pair, trialEndsAt: time, startedAt: time, merchantReferenceId: z.string().nullable() }),
  GracePeriodStarted: z.strictObject({ ...pair, dunningStartedAt: time, graceEndsAt: time, merchantReferenceId: z.string().nullable() }),
  SubscriptionCancelled: z.strictObject({ ...pair, refundAmount: stroops, cancelledAt: time }),
  TierChanged: z.strictObject({ ...pair, oldRate: stroops, newRate: stroops, changedAt: time }),
  TipReceived: z.strictObject({ ...pair, token: address, amount: stroops, tippedAt: time }),
  StreamCreated: z.strictObject({
    ...ref,
    sender: address,
    receiver: address,
    token: address,
    totalAmount: stroops,
    startAt: time,
    cliffAt: time.nullable(),
    endAt: time,
    memo: z.string().nullable(),
    createdAt: time,
  }),
  StreamWithdrawn: z.strictObject({ ...ref, beneficiary: address, amount: stroops, withdrawnTotal: stroops.nullable(), withdrawnAt: time }),
  StreamToppedUp: z.strictObject({ ...ref, caller: address, amount: stroops, toppedUpAt: time }),
  StreamCancelled: z.strictObject({ ...ref, caller: address, toReceiver: stroops, toSender: stroops, cancelledAt: time }),
  StreamPaused: z.strictObject({ ...ref, caller: address.nullable(), pausedAt: time }),
  StreamResumed: z.strictObject({ ...ref, caller: address.nullable(), resumedAt: time }),
};
