import t from 'tap';
import { sql } from 'kysely';
import { registerCreator } from '../../commands/register-creator.ts';
import { requestSubscription } from '../../commands/request-subscription.ts';
import { setTiers } from '../../commands/set-tiers.ts';
import { WrongExpectedRevision } from '../../eventstore/errors.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { EventStore } from '../../eventstore/types.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Db } from '../../platform/database.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { catchUp } from '../../projections/runner.ts';
import { dueExpiries } from '../../projections/subscriptions/due-expiries.ts';
import { runExpirySweeper, sweepOnce } from '../../projections/subscriptions/expiry-sweeper.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { getSubscription } from '../../projections/subscriptions/queries.ts';
import { createDb } from '../../platform/database.ts';
import { testDatabase } from '../support/database.ts';
import { account, context, contract } from '../commands/fixtures.ts';

const { db, url } = await testDatabase(t);
const store = createPostgresEventStore(db);
const contractId = contract();
const token = contract();
const requestedAt = '2026-03-01T10:00:00.000Z';
const sweepAt = '2026-03-01T10:05:00.000Z';
/** A tiny TTL: every intent requested at `requestedAt` is due at `sweepAt`. */
const deps = { store, contractId, pendingTtlSeconds: 1 };

async function newCreator(): Promise<string> {
  const creator = account();
  await registerCreator({ store }, { displayName: 'Cy' }, context(creator));
  await setTiers({ store }, { tiers: [{ name: 'gold', token, price: { kind: 'rate', ratePerSecond: '5' } }] }, context(creator));
  return creator;
}

async function request(creator: string, options: { ttl?: number; at?: string } = {}) {
  const subscriber = account();
  const result = await requestSubscription({ ...deps, pendingTtlSeconds: options.ttl ?? 1 }, { creator, tier: 'gold' }, context(subscriber, options.at ?? requestedAt));
  return { ...result, subscriber, creator };
}

async function activate(sub: { streamId: string; subscriber: string; creator: string }) {
  await store.append(sub.streamId, [{
    id: crypto.randomUUID(),
    type: 'SubscriptionActivated',
    data: { subscriber: sub.subscriber, creator: sub.creator, token, ratePerSecond: '5', planId: null, activatedAt: '2026-03-01T10:00:00.500Z' },
    metadata: { source: 'chain', tenantId: sub.creator },
  }]);
}

const statusOf = async (sub: { subscriptionId: string; creator: string }) =>
  (await withReadScope(db, { tenantId: sub.creator }, (trx) => getSubscription(trx, sub.subscriptionId)))?.status;
const eventCount = async (conn: Db = db) => (await sql<{ n: number }>`select count(*)::int as n from events`.execute(conn)).rows[0]!.n;
const typesOf = async (streamId: string) => (await store.readStream(streamId)).map((e) => e.type);

/** A logger that records what it was asked to log (level, message, subscription). */
function recordingLogger() {
  const lines: { level: string; msg: string; subscriptionId?: string }[] = [];
  const log = (level: string) => (obj: unknown, msg?: string) =>
    lines.push({ level, msg: msg ?? String(obj), subscriptionId: (obj as { subscriptionId?: string })?.subscriptionId });
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
  return { lines, logger: logger as unknown as Logger };
}

t.test('one sweep expires due intents across tenants, leaves confirmed and not-yet-due ones, and a second sweep appends nothing', async (t) => {
  const carol = await newCreator();
  const dave = await newCreator();
  const due = [await request(carol), await request(carol), await request(dave)];
  const confirmedAndProjected = await request(carol);
  await activate(confirmedAndProjected);
  const notYetDue = await request(dave, { ttl: 3_600 });
  const confirmedLate = await request(dave);
  await catchUp(db, subscriptionsProjector);
  // Confirmed after the projector ran: the read model still says pending, the stream says active.
  await activate(confirmedLate);

  const candidates = await dueExpiries(db, sweepAt, 100);
  t.same(candidates, [...due, confirmedLate].map((s) => s.subscriptionId).sort(), 'the read model shows every tenant\'s due pending intents, in id order');
  t.same(await dueExpiries(db, requestedAt, 100), [], 'nothing is due before the TTL');
  const firstPage = await dueExpiries(db, sweepAt, 2);
  t.same(await dueExpiries(db, sweepAt, 100, { after: firstPage[1]! }), candidates.slice(2), 'keyset pages');

  const { lines, logger } = recordingLogger();
  const before = await eventCount();
  const result = await sweepOnce(db, store, { now: () => sweepAt, logger, pageSize: 2 });
  t.same(result, { due: 4, expired: 3, skipped: 1 });
  t.equal(await eventCount(), before + 3, 'one SubscriptionExpired per due intent');
  t.match(lines, [{ level: 'debug', subscriptionId: confirmedLate.subscriptionId, msg: /not expirable/ }], 'the late confirmation is skipped at debug');
  t.notOk(lines.some((l) => l.level === 'warn' || l.level === 'error'));

  for (const sub of due) {
    const events = await store.readStream(sub.streamId);
    t.same(events.map((e) => e.type), ['SubscriptionRequested', 'SubscriptionExpired']);
    t.match(events[1], {
      data: { subscriber: sub.subscriber, creator: sub.creator, expiredAt: sweepAt },
      metadata: { source: 'command', tenantId: sub.creator, correlationId: /^[0-9a-f-]{36}$/ },
    });
  }
  const correlationIds = await Promise.all(due.map(async (s) => (await store.readStream(s.streamId))[1]!.metadata.correlationId));
  t.equal(new Set(correlationIds).size, due.length, 'a correlation id per command');
  t.same(await typesOf(confirmedAndProjected.streamId), ['SubscriptionRequested', 'SubscriptionActivated']);
  t.same(await typesOf(confirmedLate.streamId), ['SubscriptionRequested', 'SubscriptionActivated']);
  t.same(await typesOf(notYetDue.streamId), ['SubscriptionRequested']);

  await catchUp(db, subscriptionsProjector);
  for (const sub of due) t.equal(await statusOf(sub), 'expired', `${sub.subscriptionId} reads expired`);
  t.equal(await statusOf(confirmedAndProjected), 'active');
  t.equal(await statusOf(confirmedLate), 'active');
  t.equal(await statusOf(notYetDue), 'pending');
  t.same(await dueExpiries(db, sweepAt, 100), [], 'nothing due any more');

  const again = await sweepOnce(db, store, { now: () => sweepAt });
  t.same(again, { due: 0, expired: 0, skipped: 0 });
  t.equal(await eventCount(), before + 3, 'a second sweep appends nothing');

  // Clean up for the next tests: expire the one still pending once it is due.
  t.same(await sweepOnce(db, store, { now: () => '2026-03-01T11:00:00.000Z' }), { due: 1, expired: 1, skipped: 0 });
  await catchUp(db, subscriptionsProjector);
});

t.test('a concurrent writer or a failing store skips one intent and never stops the sweep', async (t) => {
  const creator = await newCreator();
  const [raced, broken, fine] = [await request(creator), await request(creator), await request(creator)];
  await catchUp(db, subscriptionsProjector);
  const flaky: EventStore = {
    ...store,
    async append(streamId, events, options) {
      if (streamId === raced.streamId) throw new WrongExpectedRevision(streamId, 0, 1);
      if (streamId === broken.streamId) throw new Error('disk on fire');
      return store.append(streamId, events, options);
    },
  };
  const { lines, logger } = recordingLogger();
  t.same(await sweepOnce(db, flaky, { now: () => sweepAt, logger }), { due: 3, expired: 1, skipped: 2 });
  t.match(lines.find((l) => l.subscriptionId === raced.subscriptionId), { level: 'debug' }, 'a lost race is debug');
  t.match(lines.find((l) => l.subscriptionId === broken.subscriptionId), { level: 'warn' }, 'anything else is a warning');
  t.same(await typesOf(fine.streamId), ['SubscriptionRequested', 'SubscriptionExpired']);

  t.same(await sweepOnce(db, store, { now: () => sweepAt }), { due: 3, expired: 2, skipped: 1 }, 'the next round expires the skipped ones (and skips the one the read model has not seen expire yet)');
  await catchUp(db, subscriptionsProjector);
  for (const sub of [raced, broken, fine]) t.equal(await statusOf(sub), 'expired');
});

t.test('the loop sweeps on its interval, survives a failing round, and stops promptly on abort', async (t) => {
  const creator = await newCreator();
  const sub = await request(creator);
  await catchUp(db, subscriptionsProjector);

  let rounds = 0;
  const failingFirst: Db = new Proxy(db, {
    get(target, key, receiver) {
      // The first round's query fails (database unavailable); the loop must retry at the next interval.
      if (key === 'transaction' && rounds++ === 0) return () => { throw new Error('connection refused'); };
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const { lines, logger } = recordingLogger();
  const controller = new AbortController();
  const loop = runExpirySweeper(failingFirst, store, { intervalMs: 20, signal: controller.signal, logger });
  for (let i = 0; i < 200 && (await typesOf(sub.streamId)).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  t.same(await typesOf(sub.streamId), ['SubscriptionRequested', 'SubscriptionExpired'], 'expired by the loop with the real clock');
  t.match(lines[0], { level: 'warn', msg: /sweep failed/ });
  controller.abort();
  await loop;

  const idle = new AbortController();
  const slow = runExpirySweeper(db, store, { intervalMs: 60_000, signal: idle.signal });
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  idle.abort();
  await slow;
  t.ok(Date.now() - started < 1_000, 'the pause is cut short by the abort');

  const aborted = new AbortController();
  aborted.abort();
  await runExpirySweeper(db, store, { intervalMs: 60_000, signal: aborted.signal });
  t.pass('an already aborted signal returns at once');
});

t.test('as a non-superuser owner under FORCE RLS, only the writer flag shows every tenant\'s due intents', async (t) => {
  const [a, b] = [await request(await newCreator()), await request(await newCreator())];
  await catchUp(db, subscriptionsProjector);
  // The tests connect as a superuser, which bypasses RLS: hand the table and its writer policy to a plain login role.
  const role = `expiry_owner_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const password = crypto.randomUUID();
  await sql`create role ${sql.id(role)} login nosuperuser nobypassrls password ${sql.lit(password)}`.execute(db);
  await sql`alter table subscriptions owner to ${sql.id(role)}`.execute(db);
  await sql`alter policy subscriptions_projection_writer on subscriptions to ${sql.id(role)}`.execute(db);
  const ownerUrl = new URL(url);
  ownerUrl.username = role;
  ownerUrl.password = password;
  const owner = createDb({ url: ownerUrl.toString(), max: 1 });
  t.teardown(async () => {
    await owner.destroy();
    await sql`alter table subscriptions owner to current_user`.execute(db);
    await sql`alter policy subscriptions_projection_writer on subscriptions to current_user`.execute(db);
    await sql`drop role ${sql.id(role)}`.execute(db);
  });
  const plain = await sql<{ n: number }>`select count(*)::int as n from subscriptions`.execute(owner);
  t.equal(plain.rows[0]!.n, 0, 'without the flag the owner sees no subscription');
  t.same(await dueExpiries(owner, sweepAt, 100), [a, b].map((s) => s.subscriptionId).sort(), 'with it, both tenants\' due intents');
  t.same(await sweepOnce(owner, store, { now: () => sweepAt }), { due: 2, expired: 2, skipped: 0 });
});
