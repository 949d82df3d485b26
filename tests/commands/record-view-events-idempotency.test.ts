import { sql } from 'kysely';
import t from 'tap';
import { recordViewEvents, type ViewEventInput } from '../../commands/record-view-events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { testDatabase } from '../support/database.ts';

const TENANT = 'GBVFTZL5HIPT4PFQVTZVIWR77V7LWYCXU4CLYWWHHOEXB64XPG5LDMTU';
const items: ViewEventInput[] = [
  { contentId: 'ep-1', viewer: 'v1', positionSeconds: 10, watchedSeconds: 5, at: '2026-11-01T00:00:00Z' },
  { contentId: 'ep-2', positionSeconds: 0, watchedSeconds: 1.5, at: '2026-11-01T00:00:01Z' },
];
const context = (now: string) => ({ actor: TENANT, tenantId: TENANT, now, correlationId: `req-${now}` });

t.test('view-event ingest with and without an Idempotency-Key', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const stored = async () => Number((await sql<{ n: string }>`select count(*) as n from events where type = 'ViewEventsRecorded'`.execute(db)).rows[0]!.n);

  const first = await recordViewEvents({ store }, items, context('2026-11-01T00:00:02Z'), 'key-1');
  t.same({ accepted: first.accepted, contents: first.contents, replayed: first.replayed }, { accepted: 2, contents: 2, replayed: false });
  t.equal(await stored(), 2, 'one event per content');

  // A retry of the same batch, e.g. after the first attempt died before its response was recorded.
  const retry = await recordViewEvents({ store }, items, context('2026-11-01T00:00:09Z'), 'key-1');
  t.equal(retry.replayed, true, 'the retry is recognised');
  t.equal(retry.streamId, first.streamId, 'on the same batch stream');
  t.equal(await stored(), 2, 'and stores nothing again');

  const reordered = items.map(({ at, watchedSeconds, positionSeconds, viewer, contentId }) => ({ at, watchedSeconds, positionSeconds, viewer, contentId }) as ViewEventInput);
  const sameBatch = await recordViewEvents({ store }, reordered, context('2026-11-01T00:00:09Z'), 'key-1');
  t.equal(sameBatch.replayed, true, 'the same items with their fields in another order are the same batch');
  t.equal(await stored(), 2);

  const otherItems = await recordViewEvents({ store }, items.slice(1), context('2026-11-01T00:00:10Z'), 'key-1');
  t.equal(otherItems.replayed, false, 'the same key with other items is another batch, never dropped');
  t.not(otherItems.streamId, first.streamId);
  t.equal(await stored(), 3);

  const otherTenant = await recordViewEvents({ store }, items, { ...context('2026-11-01T00:00:11Z'), tenantId: 'GOTHER' }, 'key-1');
  t.equal(otherTenant.replayed, false, 'keys are per tenant');
  t.equal(await stored(), 5);

  await recordViewEvents({ store }, items, context('2026-11-01T00:00:12Z'));
  await recordViewEvents({ store }, items, context('2026-11-01T00:00:13Z'));
  t.equal(await stored(), 9, 'without a key every request is a new batch');
});
