import type { StreamEvent } from '../../../domain/stream/events.ts';

export const contractId = 'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC';
export const sender = 'GCEZWKCA5VLDNRLN3RPRJMRZOX3Z6G5CHCGSNFHEYVXM3XOJMDS674JZ';
export const receiver = 'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7';
export const token = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
export const ref = { contractId, streamId: '42' };

/** A stream of 1000 stroops from 00:00:00 to 00:01:40 (10 stroops a second) on 2026-01-01. */
export const T0 = Date.UTC(2026, 0, 1) / 1000;
export const iso = (second: number): string => new Date((T0 + second) * 1000).toISOString();

export const createdFact = (overrides: Partial<{ totalAmount: string; cliffAt: string | null; memo: string | null }> = {}): StreamEvent => ({
  type: 'StreamCreated',
  data: { ...ref, sender, receiver, token, totalAmount: '1000', startAt: iso(0), cliffAt: null, endAt: iso(100), memo: null, createdAt: iso(0), ...overrides },
});
export const withdrawnFact = (amount: string, second: number): StreamEvent => ({
  type: 'StreamWithdrawn',
  data: { ...ref, beneficiary: receiver, amount, withdrawnTotal: null, withdrawnAt: iso(second) },
});
export const toppedUpFact = (amount: string, second: number): StreamEvent => ({
  type: 'StreamToppedUp',
  data: { ...ref, caller: sender, amount, toppedUpAt: iso(second) },
});
export const cancelledFact = (toReceiver: string, toSender: string, second: number): StreamEvent => ({
  type: 'StreamCancelled',
  data: { ...ref, caller: sender, toReceiver, toSender, cancelledAt: iso(second) },
});
