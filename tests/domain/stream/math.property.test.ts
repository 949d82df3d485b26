import fc from 'fast-check';
import t from 'tap';
import type { StreamEvent } from '../../../domain/stream/events.ts';
import { depletionAt, firstSecondStreaming, refundOnCancel, streamed, withdrawable, type Schedule } from '../../../domain/stream/math.ts';
import { evolve, initialState, scheduleOf, type StreamState } from '../../../domain/stream/state.ts';
import { iso, receiver, ref, sender, T0, token } from './fixtures.ts';

const RUNS = 1_000;
const I128_MAX = 2n ** 127n - 1n;

const schedule = fc
  .record({
    start: fc.bigInt(0n, 1_000_000n),
    duration: fc.bigInt(1n, 1_000_000n),
    cliffAt: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
    deposited: fc.oneof(fc.bigInt(1n, 1_000_000n), fc.bigInt(1n, I128_MAX / 4n)),
  })
  .map(({ start, duration, cliffAt, deposited }): Schedule => ({
    start,
    end: start + duration,
    cliff: cliffAt === null ? null : start + (duration * BigInt(Math.round(cliffAt * 1000))) / 1000n,
    deposited,
  }));

t.test('streamed is 0 before start or cliff, never negative, never above the deposit, monotonic, total at the end', async (t) => {
  fc.assert(
    fc.property(schedule, fc.bigInt(-10n, 2_100_000n), fc.bigInt(0n, 1_000_000n), (s, a, step) => {
      const x = streamed(s, a);
      const y = streamed(s, a + step);
      if (x < 0n || x > s.deposited || y < x) return false;
      if (a < s.start || (s.cliff !== null && a < s.cliff)) return x === 0n;
      if (a >= s.end) return x === s.deposited;
      return true;
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} schedules`);
});

t.test('the cancellation split gives everything back exactly once', async (t) => {
  fc.assert(
    fc.property(schedule, fc.bigInt(-10n, 2_100_000n), fc.double({ min: 0, max: 1, noNaN: true }), (s, at, share) => {
      const withdrawn = (streamed(s, at) * BigInt(Math.floor(share * 1000))) / 1000n;
      const { toReceiver, toSender } = refundOnCancel(s, withdrawn, at);
      return toReceiver >= 0n && toSender >= 0n && withdrawn + toReceiver + toSender === s.deposited && toReceiver === withdrawable(s, withdrawn, at);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

t.test('firstSecondStreaming is the first second at which an amount has streamed; depletion is the end', async (t) => {
  fc.assert(
    fc.property(schedule, fc.double({ min: 0, max: 1, noNaN: true }), (s, share) => {
      const amount = 1n + ((s.deposited - 1n) * BigInt(Math.floor(share * 1000))) / 1000n;
      const at = firstSecondStreaming(s, amount)!;
      return streamed(s, at) >= amount && streamed(s, at - 1n) < amount && depletionAt(s) === s.end && firstSecondStreaming(s, s.deposited + 1n) === null;
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

type Op = { kind: 'withdraw'; share: number } | { kind: 'topUp'; amount: bigint } | { kind: 'cancel' };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((share): Op => ({ kind: 'withdraw', share })) },
  { weight: 2, arbitrary: fc.bigInt(1n, 10n ** 12n).map((amount): Op => ({ kind: 'topUp', amount })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'cancel' }) },
);

/** What the contract still holds: streamed-and-unwithdrawn plus not yet streamed; nothing once cancelled. */
function remaining(state: StreamState, at: bigint): bigint {
  if (state.status === 'cancelled') return 0n;
  const s = scheduleOf(state)!;
  return withdrawable(s, state.withdrawn, at) + (s.deposited - streamed(s, at));
}

t.test('with top-ups, withdrawals and a cancellation folded as chain facts: withdrawn + refunded + remaining = deposited', async (t) => {
  fc.assert(
    fc.property(
      fc.bigInt(1n, 10n ** 15n),
      fc.integer({ min: 1, max: 100_000 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), op), { maxLength: 30 }),
      (total, duration, ops) => {
        const created: StreamEvent = {
          type: 'StreamCreated',
          data: { ...ref, sender, receiver, token, totalAmount: total.toString(), startAt: iso(0), cliffAt: null, endAt: iso(duration), memo: null, createdAt: iso(0) },
        };
        let state = evolve(initialState(), created);
        let second = 0;
        let lastStreamed = 0n;
        for (const [gap, o] of ops) {
          second += gap;
          const at = BigInt(T0 + second);
          if (state.status === 'cancelled') break;
          const s = scheduleOf(state)!;
          if (o.kind === 'withdraw') {
            const amount = (withdrawable(s, state.withdrawn, at) * BigInt(Math.floor(o.share * 1000))) / 1000n;
            if (amount > 0n) state = evolve(state, { type: 'StreamWithdrawn', data: { ...ref, beneficiary: receiver, amount: amount.toString(), withdrawnTotal: null, withdrawnAt: iso(second) } });
          } else if (o.kind === 'topUp') {
            state = evolve(state, { type: 'StreamToppedUp', data: { ...ref, caller: sender, amount: o.amount.toString(), toppedUpAt: iso(second) } });
          } else {
            const { toReceiver, toSender } = refundOnCancel(s, state.withdrawn, at);
            state = evolve(state, { type: 'StreamCancelled', data: { ...ref, caller: sender, toReceiver: toReceiver.toString(), toSender: toSender.toString(), cancelledAt: iso(second) } });
          }
          const now = scheduleOf(state)!;
          const streamedNow = state.status === 'cancelled' ? state.withdrawn : streamed(now, at);
          if (streamedNow < lastStreamed) return false;
          lastStreamed = streamedNow;
          if (state.withdrawn < 0n || state.refunded < 0n || state.withdrawn > state.deposited) return false;
          if (state.withdrawn + state.refunded + remaining(state, at) !== state.deposited) return false;
        }
        return true;
      },
    ),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} histories`);
});
