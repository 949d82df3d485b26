import t from 'tap';
import { createEventStoreDbStore } from '../../eventstore/eventstoredb/store.ts';
import type { EventStore } from '../../eventstore/types.ts';
import { eventStoreContract } from './contract.ts';

// EVENTSTORE_URL=esdb://localhost:2113?tls=false (e.g. `docker run -p 2113:2113 eventstore/eventstore
// --insecure --run-projections=All`) runs the contract suite against a real EventStoreDB/KurrentDB.
const url = process.env.EVENTSTORE_URL;

if (!url) {
  t.test('EventStoreDB adapter contract', { skip: 'EVENTSTORE_URL is not set: no EventStoreDB/KurrentDB server to run the contract suite against' }, () => {});
} else {
  t.test('EventStoreDB adapter contract', async (t) => {
    let store: EventStore | undefined;
    t.teardown(() => store?.close());
    eventStoreContract(t, async () => (store = createEventStoreDbStore(url)));
  });
}
