import t from 'tap';
import { handleCommand } from '../../commands/handle-command.ts';
import { creatorDecider } from '../../domain/creator/decide.ts';
import { creatorStreamId } from '../../domain/creator/events.ts';
import { WrongExpectedRevision } from '../../eventstore/errors.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { EventStore } from '../../eventstore/types.ts';
import { testDatabase } from '../support/database.ts';
import { account, contract } from './fixtures.ts';

const { db } = await testDatabase(t);
const store = createPostgresEventStore(db);
const now = '2026-03-01T10:00:00.000Z';
const register = (creator: string) => ({ type: 'RegisterCreator' as const, data: { creator, displayName: 'D' }, metadata: { now, actor: creator } });
const tiers = (creator: string, ratePerSecond: string) => ({
  type: 'SetTiers' as const,
  data: { creator, tiers: [{ name: 'gold' as const, token: contract(), price: { kind: 'rate' as const, ratePerSecond } }] },
  metadata: { now, actor: creator },
});

/** A store whose appends wait until `parties` callers have all read: they decide on the same revision. */
function barrierStore(inner: EventStore, parties: number): EventStore {
  let reads = 0;
  let release!: () => void;
  const allRead = new Promise<void>((resolve) => (release = resolve));
  return {
    ...inner,
    async readStream(streamId, options) {
      const events = await inner.readStream(streamId, options);
      if (++reads === parties) release();
      return events;
    },
    async append(streamId, events, options) {
      await allRead;
      return inner.append(streamId, events, options);
    },
  };
}

t.test('appends with ids, metadata and the revision it read', async (t) => {
  const creator = account();
  const first = await handleCommand(store, creatorStreamId(creator), creatorDecider, register(creator), { tenantId: creator, correlationId: 'c-1', causationId: 'cause-1' });
  t.match(first, { streamId: creatorStreamId(creator), revision: 0, events: [{ type: 'CreatorRegistered' }], state: { status: 'registered', creator } });
  const second = await handleCommand(store, creatorStreamId(creator), creatorDecider, tiers(creator, '5'), { correlationId: 'c-2' });
  t.equal(second.revision, 1);
  const stored = await store.readStream(creatorStreamId(creator));
  t.match(stored[0]!.metadata, { source: 'command', tenantId: creator, correlationId: 'c-1', causationId: 'cause-1' });
  t.same(stored[1]!.metadata, { source: 'command', tenantId: null, correlationId: 'c-2' });
  t.match(stored.map((e) => e.id), [/^[0-9a-f-]{36}$/, /^[0-9a-f-]{36}$/]);
  t.not(stored[0]!.id, stored[1]!.id);
});

t.test('domain errors propagate and append nothing', async (t) => {
  const creator = account();
  await t.rejects(handleCommand(store, creatorStreamId(creator), creatorDecider, tiers(creator, '5'), { correlationId: 'c' }), { code: 'CREATOR.NOT_REGISTERED' });
  t.same(await store.readStream(creatorStreamId(creator)), []);
});

t.test('two decisions on the same revision: one wins, the other gets WrongExpectedRevision', async (t) => {
  for (const [name, setup] of [
    ['on a new stream', async (_creator: string) => {}],
    ['on an existing stream', async (creator: string) => { await handleCommand(store, creatorStreamId(creator), creatorDecider, register(creator), { correlationId: 'c' }); }],
  ] as const) {
    const creator = account();
    await setup(creator);
    const racing = barrierStore(store, 2);
    const existing = (await store.readStream(creatorStreamId(creator))).length;
    const command = existing === 0 ? register(creator) : tiers(creator, '5');
    const other = existing === 0 ? register(creator) : tiers(creator, '6');
    const results = await Promise.allSettled([
      handleCommand(racing, creatorStreamId(creator), creatorDecider, command, { correlationId: 'a' }),
      handleCommand(racing, creatorStreamId(creator), creatorDecider, other, { correlationId: 'b' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    t.equal(won.length, 1, `${name}: one wins`);
    t.equal(lost.length, 1, `${name}: one loses`);
    t.type(lost[0], WrongExpectedRevision, name);
    t.equal((lost[0] as WrongExpectedRevision).code, 'CONCURRENCY.CONFLICT');
    t.equal((await store.readStream(creatorStreamId(creator))).length, existing + 1, `${name}: exactly one event appended`);
  }
});

// The class: a correlation id names a conversation (a request, a saga), not one command. Every
// distinct command that shares it must be decided and appended; only a retry of the same attempt
// (the Idempotency-Key claim's attemptId) may be recognised as already committed.
t.test('distinct commands sharing a correlation id are all decided and appended', async (t) => {
  const creator = account();
  const trace = { tenantId: creator, correlationId: 'saga-1' };
  await handleCommand(store, creatorStreamId(creator), creatorDecider, register(creator), trace);
  const second = await handleCommand(store, creatorStreamId(creator), creatorDecider, tiers(creator, '5'), trace);
  const third = await handleCommand(store, creatorStreamId(creator), creatorDecider, tiers(creator, '7'), trace);
  t.same([second.revision, third.revision], [1, 2]);
  const stored = await store.readStream(creatorStreamId(creator));
  t.same(stored.map((e) => e.type), ['CreatorRegistered', 'TiersSet', 'TiersSet']);
  t.match(third.state, { tiers: [{ price: { kind: 'rate', ratePerSecond: '7' } }] }, 'the state is the third command\'s, not a replay of the second');
});

t.test('a retry of one attempt is recognised; another attempt under the same correlation id is not', async (t) => {
  const creator = account();
  await handleCommand(store, creatorStreamId(creator), creatorDecider, register(creator), { correlationId: 'c' });
  const first = await handleCommand(store, creatorStreamId(creator), creatorDecider, tiers(creator, '5'), { correlationId: 'c', attemptId: 'a-1' });
  const retry = await handleCommand(store, creatorStreamId(creator), creatorDecider, tiers(creator, '5'), { correlationId: 'c', attemptId: 'a-1' });
  t.same([first.revision, retry.revision], [1, 1], 'the retry returns the committed result');
  t.same(retry.events.map((e) => e.type), ['TiersSet']);
  const other = await handleCommand(store, creatorStreamId(creator), creatorDecider, tiers(creator, '9'), { correlationId: 'c', attemptId: 'a-2' });
  t.equal(other.revision, 2);
  t.equal((await store.readStream(creatorStreamId(creator))).length, 3);
});
