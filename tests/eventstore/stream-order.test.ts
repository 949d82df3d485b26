import t from 'tap';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { EventStore, RecordedEvent } from '../../eventstore/types.ts';
import { testDatabase } from '../support/database.ts';
import { newEvent } from './contract.ts';

/** The whole log once every writer has finished: nothing is held back any more. */
async function wholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const log: RecordedEvent[] = [];
  for (let page = await store.readAll({ limit: 1_000 }); page.length > 0; page = await store.readAll({ after: page.at(-1)!.position, limit: 1_000 })) {
    log.push(...page);
  }
  return log;
}

t.test('a stream reads in revision order in the log when an older transaction appends after a newer one', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const first = newEvent('First');
  const second = newEvent('Second');

  // T1 takes its xid with a first write (the indexer's contract stream), then an autocommit append
  // (a later xid) writes S@0 and commits, then T1 writes S@1 and commits.
  await db.transaction().execute(async (trx) => {
    await appendToStreams(trx, [{ streamId: 'contract-X', events: [newEvent('Observed')] }]);
    const [zero] = await store.appendMany([{ streamId: 'order-S', events: [first], expectedRevision: 'no_stream' }]);
    t.equal(zero!.revision, 0, 'the autocommit append wrote S@0');
    const [one] = await appendToStreams(trx, [{ streamId: 'order-S', events: [second], expectedRevision: 0 }]);
    t.equal(one!.revision, 1, 'T1 wrote S@1 after it');
  });

  const stream = (await wholeLog(store)).filter((e) => e.streamId === 'order-S');
  t.same(stream.map((e) => e.streamRevision), [0, 1], 'the log holds S@0 before S@1');
  t.same(stream.map((e) => e.id), [first.id, second.id], 'the log agrees with readStream');
});
