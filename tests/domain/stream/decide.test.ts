import t from 'tap';
import type { StreamCommand } from '../../../domain/stream/commands.ts';
import { streamDecider } from '../../../domain/stream/decide.ts';
import { deciderSpec } from '../../support/decider.ts';
import { cancelledFact, contractId, createdFact, iso, receiver, ref, sender, token, toppedUpFact, withdrawnFact } from './fixtures.ts';

const spec = deciderSpec(streamDecider);
const withdraw = (amount: bigint | null, second: number, actor = receiver): StreamCommand => ({
  type: 'RequestWithdrawal',
  data: { ...ref, amount },
  metadata: { now: iso(second), actor },
});
const cancel = (second: number, actor = sender): StreamCommand => ({ type: 'RequestStreamCancellation', data: ref, metadata: { now: iso(second), actor } });
const create = (overrides: Partial<{ totalAmount: bigint; endAt: string; cliffAt: string | null; receiver: string }> = {}, actor = sender): StreamCommand => ({
  type: 'RequestStreamCreation',
  data: { requestId: 'r1', contractId, sender, receiver, token, totalAmount: 1000n, startAt: iso(0), cliffAt: null, endAt: iso(100), memo: 'inv', ...overrides },
  metadata: { now: iso(-10), actor },
});

t.test('RequestStreamCreation', async (t) => {
  t.test('records the intent with its schedule', async (t) => {
    const state = spec(t).given([]).when(create()).then([{
      type: 'StreamCreationRequested',
      data: { requestId: 'r1', contractId, sender, receiver, token, totalAmount: '1000', startAt: iso(0), cliffAt: null, endAt: iso(100), memo: 'inv', requestedAt: iso(-10) },
    }]);
    t.match(state, { status: 'requested', deposited: 1000n });
  });
  t.test('refuses a non-positive amount, a backwards schedule, a cliff outside it, a self-stream, another sender', async (t) => {
    spec(t).given([]).when(create({ totalAmount: 0n })).then('STREAM.INVALID_AMOUNT');
    spec(t).given([]).when(create({ endAt: iso(0) })).then('STREAM.INVALID_SCHEDULE');
    spec(t).given([]).when(create({ cliffAt: iso(101) })).then('STREAM.INVALID_SCHEDULE');
    spec(t).given([]).when(create({ receiver: sender })).then('STREAM.SELF_STREAM');
    spec(t).given([]).when(create({}, receiver)).then('STREAM.FORBIDDEN');
  });
});

t.test('RequestWithdrawal', async (t) => {
  t.test('up to what streamed and was not withdrawn', async (t) => {
    const requested = (amount: string, second: number) => ({ type: 'WithdrawalRequested' as const, data: { ...ref, beneficiary: receiver, amount, requestedAt: iso(second) } });
    spec(t).given([createdFact()]).when(withdraw(250n, 25)).then([requested('250', 25)]);
    spec(t).given([createdFact(), withdrawnFact('100', 20)]).when(withdraw(null, 25)).then([requested('150', 25)]);
    spec(t).given([createdFact(), toppedUpFact('1000', 10)]).when(withdraw(null, 50)).then([requested('1000', 50)]);
  });
  t.test('refuses more than withdrawable now', async (t) => {
    spec(t).given([createdFact()]).when(withdraw(251n, 25)).then('STREAM.INSUFFICIENT_WITHDRAWABLE');
    spec(t).given([createdFact({ cliffAt: iso(50) })]).when(withdraw(null, 49)).then('STREAM.INSUFFICIENT_WITHDRAWABLE');
    spec(t).given([createdFact()]).when(withdraw(null, -5)).then('STREAM.INSUFFICIENT_WITHDRAWABLE');
  });
  t.test('only the receiver, only on a live stream that exists', async (t) => {
    spec(t).given([createdFact()]).when(withdraw(1n, 50, sender)).then('STREAM.FORBIDDEN');
    spec(t).given([]).when(withdraw(1n, 50)).then('STREAM.NOT_FOUND');
    spec(t).given([createdFact(), cancelledFact('500', '500', 50)]).when(withdraw(1n, 60)).then('STREAM.ALREADY_CANCELLED');
    spec(t).given([createdFact()]).when(withdraw(0n, 50)).then('STREAM.INVALID_AMOUNT');
  });
  t.test('a fact without its creation still makes a stream (another front end)', async (t) => {
    spec(t).given([withdrawnFact('10', 5), createdFact()]).when(withdraw(null, 10)).then([
      { type: 'WithdrawalRequested', data: { ...ref, beneficiary: receiver, amount: '90', requestedAt: iso(10) } },
    ]);
  });
});

t.test('RequestStreamCancellation', async (t) => {
  t.test('by the sender, once', async (t) => {
    const state = spec(t).given([createdFact()]).when(cancel(30)).then([{ type: 'StreamCancellationRequested', data: { ...ref, caller: sender, requestedAt: iso(30) } }]);
    t.equal(state?.status, 'active', 'live until the chain says otherwise');
    spec(t).given([createdFact(), { type: 'StreamCancellationRequested', data: { ...ref, caller: sender, requestedAt: iso(30) } }]).when(cancel(31)).then('STREAM.CANCELLATION_ALREADY_REQUESTED');
  });
  t.test('refuses the receiver, a cancelled stream, an unknown one', async (t) => {
    spec(t).given([createdFact()]).when(cancel(30, receiver)).then('STREAM.FORBIDDEN');
    spec(t).given([createdFact(), cancelledFact('300', '700', 30)]).when(cancel(40)).then('STREAM.ALREADY_CANCELLED');
    spec(t).given([]).when(cancel(40)).then('STREAM.NOT_FOUND');
  });
});

t.test('evolve: facts in any order give the same sums; a cancellation is final', async (t) => {
  const { evolve, initialState } = streamDecider;
  const facts = [createdFact(), toppedUpFact('500', 10), withdrawnFact('100', 20), { type: 'StreamPaused' as const, data: { ...ref, caller: sender, pausedAt: iso(30) } }];
  const forwards = facts.reduce(evolve, initialState());
  const backwards = [...facts].reverse().reduce(evolve, initialState());
  t.match(forwards, { status: 'paused', deposited: 1500n, withdrawn: 100n, sender, receiver });
  t.match(backwards, { status: 'paused', deposited: 1500n, withdrawn: 100n, sender, receiver });
  const cancelled = [createdFact(), cancelledFact('300', '700', 30), { type: 'StreamResumed' as const, data: { ...ref, caller: sender, resumedAt: iso(40) } }].reduce(evolve, initialState());
  t.match(cancelled, { status: 'cancelled', withdrawn: 300n, refunded: 700n });
});
