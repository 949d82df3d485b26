import t from 'tap';
import type { CreatorEvent, Tier } from '../../../domain/creator/events.ts';
import { evolve, findTier, initialState } from '../../../domain/creator/state.ts';
import { tierRatePerSecond, tiersProblem } from '../../../domain/creator/tiers.ts';
import { fold } from '../../support/decider.ts';

const creator = 'GCREATOR';
const gold: Tier = { name: 'gold', token: 'CTOKEN', price: { kind: 'rate', ratePerSecond: '50' } };
const registered: CreatorEvent = { type: 'CreatorRegistered', data: { creator, displayName: 'Ada', registeredAt: '2026-01-01T00:00:00Z' } };
const tiersSet: CreatorEvent = { type: 'TiersSet', data: { creator, tiers: [gold], setAt: '2026-01-02T00:00:00Z' } };

t.test('folds registration then tiers', async (t) => {
  const state = fold({ initialState, evolve }, [registered, tiersSet]);
  t.same(state, { status: 'registered', creator, displayName: 'Ada', registeredAt: '2026-01-01T00:00:00Z', tiers: [gold] });
  t.equal(findTier(state, 'gold'), gold);
  t.equal(findTier(state, 'bronze'), undefined);
  t.equal(findTier(initialState(), 'gold'), undefined, 'an unregistered creator offers nothing');
});

t.test('keeps tiers set before a registration it never saw', async (t) => {
  const state = fold({ initialState, evolve }, [tiersSet, registered]);
  t.match(state, { status: 'registered', displayName: 'Ada', tiers: [gold] });
});

t.test('tierRatePerSecond rounds a per-period price down', async (t) => {
  t.equal(tierRatePerSecond({ kind: 'rate', ratePerSecond: '7' }), 7n);
  t.equal(tierRatePerSecond({ kind: 'period', amount: '90', periodSeconds: 30 }), 3n, 'exact division');
  t.equal(tierRatePerSecond({ kind: 'period', amount: '119', periodSeconds: 30 }), 3n, 'rounded down');
  t.equal(tierRatePerSecond({ kind: 'period', amount: '1', periodSeconds: 2_592_000 }), 0n, 'below one stroop a second (tiersProblem refuses it)');
  t.equal(tierRatePerSecond({ kind: 'period', amount: '170141183460469231731687303715884105727', periodSeconds: 1 }), 2n ** 127n - 1n, 'i128 max stays exact');
});

t.test('tiersProblem explains the first problem', async (t) => {
  t.equal(tiersProblem([gold]), null);
  t.match(tiersProblem([{ ...gold, name: 'platinum' as Tier['name'] }]), { code: 'CREATOR.INVALID_TIERS', message: /one of bronze, silver, gold/ });
  t.match(tiersProblem([{ ...gold, name: 'bronze', price: { kind: 'rate', ratePerSecond: '60' } }, gold]), { code: 'CREATOR.INVALID_TIERS', message: /gold must cost more than bronze/ });
  t.match(tiersProblem([{ ...gold, price: { kind: 'period', amount: '59', periodSeconds: 60 } }]), { code: 'CREATOR.PRICE_TOO_LOW', details: { tier: 'gold', minimumAmount: '60' } });
  t.match(tiersProblem([{ ...gold, name: 'silver', price: { kind: 'rate', ratePerSecond: '1' } }, { ...gold, price: { kind: 'period', amount: '119', periodSeconds: 60 } }]),
    { code: 'CREATOR.TIERS_SAME_RATE', details: { tiers: ['silver', 'gold'], ratePerSecond: '1' } }, '1 and 1.98… a second both stream 1');
});
