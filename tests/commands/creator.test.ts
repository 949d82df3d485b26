import t from 'tap';
import { ZodError } from 'zod';
import { registerCreator } from '../../commands/register-creator.ts';
import { SetTiersInput, setTiers } from '../../commands/set-tiers.ts';
import { creatorStreamId } from '../../domain/creator/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { testDatabase } from '../support/database.ts';
import { account, context, contract } from './fixtures.ts';

const { db } = await testDatabase(t);
const store = createPostgresEventStore(db);
const token = contract();

t.test('registerCreator records CreatorRegistered for the acting address', async (t) => {
  const creator = account();
  const ctx = context(creator);
  const result = await registerCreator({ store }, { displayName: '  Ada  ' }, ctx);
  t.same(result, { creator, streamId: creatorStreamId(creator), revision: 0 });
  const [event, ...rest] = await store.readStream(creatorStreamId(creator));
  t.equal(rest.length, 0);
  t.match(event, {
    type: 'CreatorRegistered',
    data: { creator, displayName: 'Ada', registeredAt: ctx.now },
    metadata: { source: 'command', tenantId: creator, correlationId: ctx.correlationId },
  });
  await t.rejects(registerCreator({ store }, { displayName: 'Ada' }, context(creator)), { code: 'CREATOR.ALREADY_REGISTERED' });
  t.equal((await store.readStream(creatorStreamId(creator))).length, 1, 'nothing appended by the refusal');
});

t.test('registerCreator validates its input', async (t) => {
  await t.rejects(registerCreator({ store }, { displayName: '   ' }, context(account())), ZodError);
});

t.test('setTiers', async (t) => {
  const creator = account();
  const tiers = [
    { name: 'bronze' as const, token, price: { kind: 'rate' as const, ratePerSecond: '10' } },
    { name: 'silver' as const, token, price: { kind: 'period' as const, amount: '2592000000', periodSeconds: 2_592_000 } },
  ];
  await t.rejects(setTiers({ store }, { tiers }, context(creator)), { code: 'CREATOR.NOT_REGISTERED' });
  await registerCreator({ store }, { displayName: 'Bo' }, context(creator));
  // silver is 1000 per second: above bronze.
  const result = await setTiers({ store }, { tiers }, context(creator));
  t.match(result, { creator, revision: 1, tiers });
  const events = await store.readStream(creatorStreamId(creator));
  t.same(events.map((e) => e.type), ['CreatorRegistered', 'TiersSet']);
  t.same((events[1]!.data as { tiers: unknown }).tiers, tiers, 'prices stay decimal strings in the event');
  const cheaperGold = [...tiers, { name: 'gold' as const, token, price: { kind: 'rate' as const, ratePerSecond: '999' } }];
  await t.rejects(setTiers({ store }, { tiers: cheaperGold }, context(creator)), { code: 'CREATOR.INVALID_TIERS' });
  await t.rejects(setTiers({ store }, { tiers: [] }, context(creator)), { code: 'CREATOR.INVALID_TIERS' });
});

t.test('SetTiersInput', async (t) => {
  const tier = (price: unknown, tokenAddress: string = token) => ({ tiers: [{ name: 'gold', token: tokenAddress, price }] });
  t.ok(SetTiersInput.safeParse(tier({ kind: 'rate', ratePerSecond: '170141183460469231731687303715884105727' })).success, 'i128 max');
  const refused: [string, unknown][] = [
    ['a JSON number price', tier({ kind: 'rate', ratePerSecond: 10 })],
    ['a decimal price', tier({ kind: 'rate', ratePerSecond: '1.5' })],
    ['a price above i128', tier({ kind: 'rate', ratePerSecond: '170141183460469231731687303715884105728' })],
    ['a leading zero', tier({ kind: 'rate', ratePerSecond: '010' })],
    ['a fractional period', tier({ kind: 'period', amount: '100', periodSeconds: 1.5 })],
    ['an account as token', tier({ kind: 'rate', ratePerSecond: '10' }, account())],
    ['a malformed token', tier({ kind: 'rate', ratePerSecond: '10' }, 'CNOTACONTRACT')],
    ['an unknown tier name', { tiers: [{ name: 'platinum', token, price: { kind: 'rate', ratePerSecond: '10' } }] }],
    ['more than three tiers', { tiers: Array.from({ length: 4 }, () => tier({ kind: 'rate', ratePerSecond: '1' }).tiers[0]) }],
  ];
  for (const [name, input] of refused) t.notOk(SetTiersInput.safeParse(input).success, `refuses ${name}`);
});
