import { sql } from 'kysely';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { EventStore } from '../../eventstore/types.ts';
import { advanceCheckpoint } from '../../indexer/checkpoints.ts';
import { createDb, type Db } from '../../platform/database.ts';
import { creatorAnalyticsProjector } from '../../projections/analytics/creator-projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { randomAccount } from '../support/app.ts';
import { testDatabase, type TestDatabase } from '../support/database.ts';
import { loginRoleUrl } from '../support/login-roles.ts';
import { subEvent } from '../support/subscription-events.ts';

export const TOKEN = 'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC';
export const OTHER_TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
/** More digits than a double holds: every sum must stay exact. */
export const HUGE = '123456789012345678901234567890';

export interface Books {
  database: TestDatabase;
  /** The API's login role (a member of substream_api only), as `serve` and the CLI connect. */
  apiDb: Db;
  /** The event store on the API's connection. */
  eventStore: EventStore;
  creator: string;
  subscribers: [string, string];
  /** Runs both projectors the reconciliation compares against up to the log's head. */
  project(): Promise<void>;
}

/**
 * A creator with two wallet subscriptions billed on chain (ledgers 10–14, one of them in
 * OTHER_TOKEN and one amount beyond 2^53) and one card subscription billed in EUR, projected, with
 * ledgers 1–20 indexed: books that agree everywhere (in `existing`, or a fresh database).
 */
export async function consistentBooks(t: { teardown(fn: () => unknown): void }, existing?: TestDatabase): Promise<Books> {
  const database = existing ?? (await testDatabase(t));
  const apiDb = createDb({ url: await loginRoleUrl('substream_api', database.url), max: 4 });
  t.teardown(() => apiDb.destroy());
  const eventStore = createPostgresEventStore(apiDb);
  const creator = randomAccount();
  const subscribers: [string, string] = [randomAccount(), randomAccount()];
  const card = randomAccount();
  const [a, b] = subscribers;
  const billed = (subscriber: string, amount: string, ledger: number) =>
    subEvent('SubscriptionBilled', subscriber, creator, { amount, billedAt: `2026-11-0${1 + (ledger % 3)}T10:00:00.000Z`, merchantReferenceId: null, receiptHash: null }, ledger);
  await eventStore.append(subscriptionStreamId(a, creator), [
    subEvent('SubscriptionActivated', a, creator, { token: TOKEN, ratePerSecond: '5', planId: 1, activatedAt: '2026-11-01T00:00:00.000Z' }, 10),
    billed(a, HUGE, 11),
    billed(a, '250', 12),
  ]);
  await eventStore.append(subscriptionStreamId(b, creator), [
    subEvent('SubscriptionActivated', b, creator, { token: OTHER_TOKEN, ratePerSecond: '7', planId: 2, activatedAt: '2026-11-01T00:00:00.000Z' }, 13),
    billed(b, '700', 14),
  ]);
  await eventStore.append(subscriptionStreamId(card, creator), [
    { ...subEvent('SubscriptionActivated', card, creator, { token: null, ratePerSecond: '0', planId: null, activatedAt: '2026-11-01T00:00:00.000Z', currency: 'EUR' }), metadata: { source: 'stripe', tenantId: creator } },
    { ...subEvent('SubscriptionBilled', card, creator, { amount: '1800', billedAt: '2026-11-02T00:00:00.000Z', merchantReferenceId: null, receiptHash: null, currency: 'EUR' }), metadata: { source: 'stripe', tenantId: creator } },
  ]);
  await advanceCheckpoint(database.db, 'live', 1, 20, null);
  const project = async () => {
    await catchUp(database.db, subscriptionsProjector);
    await catchUp(database.db, creatorAnalyticsProjector);
  };
  await project();
  return { database, apiDb, eventStore, creator, subscribers, project };
}

/** Runs `statement` as the owner with the projection writer's setting (a corrupted read model). */
export async function corrupt(db: Db, statement: ReturnType<typeof sql>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`set local app.projection_writer = 'on'`.execute(trx);
    await statement.execute(trx);
  });
}
