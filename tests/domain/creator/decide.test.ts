import t from 'tap';
import { creatorDecider } from '../../../domain/creator/decide.ts';
import type { CreatorEvent, Tier } from '../../../domain/creator/events.ts';
import { deciderSpec } from '../../support/decider.ts';

const spec = deciderSpec(creatorDecider);
const creator = 'GCREATOR';
const now = '2026-01-01T00:00:00.000Z';
const metadata = { now, actor: creator };
const token = 'CTOKEN';
const registered: CreatorEvent = { type: 'CreatorRegistered', data: { creator, displayName: 'Ada', registeredAt: '2025-12-01T00:00:00.000Z' } };

const rate = (name: Tier['name'], ratePerSecond: string): Tier => ({ name, token, price: { kind: 'rate', ratePerSecond } });
const period = (name: Tier['name'], amount: string, periodSeconds: number): Tier => ({ name, token, price: { kind: 'period', amount, periodSeconds } });
const setTiers = (tiers: Tier[]) => ({ type: 'SetTiers' as const, data: { creator, tiers }, metadata });

t.test('RegisterCreator', async (t) => {
  t.test('registers a new creator', async (t) => {
    const state = spec(t)
      .given([])
      .when({ type: 'RegisterCreator', data: { creator, displayName: 'Ada' }, metadata })
      .then([{ type: 'CreatorRegistered', data: { creator, displayName: 'Ada', registeredAt: now } }]);
    t.match(state, { status: 'registered', creator, displayName: 'Ada', tiers: [] });
  });
  t.test('refuses a second registration', async (t) => {
    spec(t).given([registered]).when({ type: 'RegisterCreator', data: { creator, displayName: 'Ada again' }, metadata }).then('CREATOR.ALREADY_REGISTERED');
  });
});

t.test('SetTiers', async (t) => {
  t.test('sets tiers mixing rate and period prices, listed in any order', async (t) => {
    const tiers = [period('gold', '86400', 3600), rate('bronze', '10'), period('silver', '660', 60)];
    const state = spec(t).given([registered]).when(setTiers(tiers)).then([{ type: 'TiersSet', data: { creator, tiers, setAt: now } }]);
    t.same(state?.status === 'registered' && state.tiers.map((x) => x.name), ['gold', 'bronze', 'silver']);
  });
  t.test('a single tier is enough', async (t) => {
    spec(t).given([registered]).when(setTiers([rate('gold', '1')])).then([{ type: 'TiersSet', data: { creator, tiers: [rate('gold', '1')], setAt: now } }]);
  });
  t.test('replaces earlier tiers', async (t) => {
    const earlier: CreatorEvent = { type: 'TiersSet', data: { creator, tiers: [rate('bronze', '5')], setAt: now } };
    const state = spec(t).given([registered, earlier]).when(setTiers([rate('silver', '7')])).then([{ type: 'TiersSet', data: { creator, tiers: [rate('silver', '7')], setAt: now } }]);
    t.same(state?.status === 'registered' && state.tiers, [rate('silver', '7')]);
  });
  t.test('requires a registered creator', async (t) => {
    spec(t).given([]).when(setTiers([rate('bronze', '10')])).then('CREATOR.NOT_REGISTERED');
  });

  const invalid: [string, Tier[]][] = [
    ['no tier', []],
    ['duplicate names', [rate('bronze', '10'), rate('bronze', '20')]],
    ['a zero rate', [rate('bronze', '0')]],
    ['a negative rate', [rate('bronze', '-5')]],
    ['a zero period amount', [period('bronze', '0', 60)]],
    ['a zero period', [period('bronze', '100', 0)]],
    ['a fractional period', [period('bronze', '100', 1.5)]],
    ['a non-integer price', [rate('bronze', '1.5')]],
    ['silver not above bronze', [rate('bronze', '10'), rate('silver', '10')]],
    ['gold below silver', [rate('silver', '10'), rate('gold', '9')]],
    ['gold below bronze with silver missing', [rate('bronze', '10'), rate('gold', '9')]],
    // 600 per 60 s is exactly 10 per second: equal, not more.
    ['a period price equal to the rate below it', [rate('bronze', '10'), period('silver', '600', 60)]],
    ['a rate equal to the period price below it', [period('bronze', '86400', 86400), rate('silver', '1')]],
  ];
  t.test('refuses tiers that would stream the same rate: 601 per 60 s is above 10 a second but streams 10', async (t) => {
    spec(t).given([registered]).when(setTiers([rate('bronze', '10'), period('silver', '601', 60)])).then('CREATOR.TIERS_SAME_RATE');
  });
  t.test('refuses a period price below one stroop a second', async (t) => {
    spec(t).given([registered]).when(setTiers([period('bronze', '59', 60)])).then('CREATOR.PRICE_TOO_LOW');
  });
  for (const [name, tiers] of invalid) {
    t.test(`refuses ${name}`, async (t) => {
      spec(t).given([registered]).when(setTiers(tiers)).then('CREATOR.INVALID_TIERS');
    });
  }

  t.test('compares prices exactly beyond 2^53', async (t) => {
    // As JS numbers 2 * 9007199254740993 and that plus one are the same value; in bigint they are not.
    const big = 9007199254740993n;
    spec(t).given([registered]).when(setTiers([rate('bronze', big.toString()), period('silver', (2n * big).toString(), 2)])).then('CREATOR.INVALID_TIERS');
    // One stroop more every 2 s is exactly more, but streams the same big per second.
    spec(t).given([registered]).when(setTiers([rate('bronze', big.toString()), period('silver', (2n * big + 1n).toString(), 2)])).then('CREATOR.TIERS_SAME_RATE');
    const ok = [rate('bronze', big.toString()), period('silver', (2n * big + 2n).toString(), 2)];
    spec(t).given([registered]).when(setTiers(ok)).then([{ type: 'TiersSet', data: { creator, tiers: ok, setAt: now } }]);
  });
});
