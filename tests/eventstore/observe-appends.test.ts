import t from 'tap';
import { observeAppends } from '../../eventstore/observe-appends.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { LogPosition } from '../../eventstore/types.ts';
import { testDatabase } from '../support/database.ts';
import { newEvent } from './contract.ts';

t.test('the observer hears the last position of each append that wrote, after it committed', async (t) => {
  const { db } = await testDatabase(t);
  const heard: LogPosition[] = [];
  const store = observeAppends(createPostgresEventStore(db), (position) => heard.push(position));

  const event = newEvent('A');
  const one = await store.append('observed-1', [event]);
  t.same(heard, [one.position], 'one append, its position');
  const [first] = await store.readAll({ limit: 1 });
  t.same(first?.position, one.position, 'already readable from the log when the observer runs');

  await store.append('observed-1', [event]);
  t.equal(heard.length, 1, 'an idempotent no-op (already stored) is not announced');

  const many = await store.appendMany([
    { streamId: 'observed-2', events: [newEvent('B'), newEvent('C')] },
    { streamId: 'observed-3', events: [newEvent('D')] },
  ]);
  t.same(heard[1], many[1]!.position, 'appendMany: the furthest position of the call');
});

t.test('an observer that throws never fails the append', async (t) => {
  const { db } = await testDatabase(t);
  const store = observeAppends(createPostgresEventStore(db), () => {
    throw new Error('listener down');
  });
  const result = await store.append('observed-4', [newEvent('A')]);
  t.equal(result.appended, 1);
});
