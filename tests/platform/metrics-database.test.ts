import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { LAG_COUNT_CAP } from '../../platform/checkpoint-lag.ts';
import { readDatabaseSnapshot } from '../../platform/metrics-database.ts';
import { projectionStatus } from '../../projections/status.ts';
import { testDatabase } from '../support/database.ts';

t.test('projector and relay lag gauges count events up to the cap, as projections status does', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  for (let i = 0; i < 5; i++) {
    await store.append(`cap-${i}`, [{ id: randomUUID(), type: 'TestHappened', data: {}, metadata: { source: 'command' } }]);
  }
  await sql`insert into projection_checkpoints (name, version, state) values ('behind', 1, 'live')`.execute(db);
  await sql`insert into outbox_checkpoints (name, position_commit, position_prepare) values ('kafka', '0'::xid8, 0)`.execute(db);

  const capped = await readDatabaseSnapshot(db, { lagCountCap: 3 });
  t.equal(capped.projections[0]?.lagEvents, 3, 'a projector 5 events behind counts as 3 under a cap of 3');
  t.equal(capped.relays[0]?.lagEvents, 3, 'so does a relay');
  t.ok(capped.relays[0]!.lagSeconds >= 0 && capped.projections[0]!.lagSeconds >= 0, 'lag in seconds is still read');

  const uncapped = await readDatabaseSnapshot(db);
  t.equal(uncapped.projections[0]?.lagEvents, 5, 'under the default cap the lag is exact');
  t.equal(uncapped.relays[0]?.lagEvents, 5, 'and so is the relay lag');
  t.equal((await projectionStatus(db))[0]?.lagEvents, 5, 'projections status counts the same');
  t.equal(LAG_COUNT_CAP, 1_000_000, 'the default cap is the documented one');
});
