import t from 'tap';
import { sql } from 'kysely';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { createCreatorsProjector } from '../../projections/creators/projector.ts';
import { openDeadLetters } from '../../projections/dead-letters.ts';
import { isTransient } from '../../projections/failure-policy.ts';
import { runProjectors } from '../../projections/runner.ts';
import { projectionStatus } from '../../projections/status.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { substream } from '../indexer/cli.ts';
import { testApp } from '../support/app.ts';
import { capturingLogger, eventually } from '../support/projection-runs.ts';
import { address, appendsFor, at, creatorEvent, subEvent } from '../support/subscription-events.ts';

t.setTimeout(120_000);

const creator = address('carol');
const usdc = address('usdc', 'C');
const activated = (wallet: string, planId: number) =>
  subEvent('SubscriptionActivated', address(wallet), creator, { token: usdc, ratePerSecond: '7', planId, activatedAt: at(1) });
const billed = (wallet: string, second: number) =>
  subEvent('SubscriptionBilled', address(wallet), creator, { amount: '5', billedAt: at(second), merchantReferenceId: null, receiptHash: null });
const subscriptionRows = async (db: Parameters<typeof projectionStatus>[0]) =>
  (await sql<{ n: number }>`select count(*)::int as n from subscriptions`.execute(db)).rows[0]!.n;

t.test('isTransient: the database and the network are retried, the data is not', async (t) => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  for (const code of ['08006', '40001', '40P01', '53300', '57P01', '55P03', 'ECONNREFUSED', 'ECONNRESET']) t.ok(isTransient(coded(code)), code);
  t.ok(isTransient(new Error('Connection terminated unexpectedly')));
  for (const code of ['22003', '23514', '22P02', '42703']) t.notOk(isTransient(coded(code)), code);
  t.notOk(isTransient(new TypeError('Cannot read properties of undefined')));
  t.ok(isTransient(new Error('wrapped', { cause: coded('40P01') })), 'looks through causes');
});

t.test('policy halt (money): the projector stops at the event, reports it, the others go on; retry and skip resolve it', async (t) => {
  const { app, database } = await testApp(t);
  const { db, url } = database;
  // planId beyond bigint: a data error in the set-based upsert, which names no event by itself.
  await appendToStreams(db, appendsFor([activated('w1', 1), billed('w1', 2), activated('w2', 1e20), billed('w3', 3)]));
  const { logger, lines } = capturingLogger<{ position?: string; type?: string; streamId?: string }>();
  const controller = new AbortController();
  const projectors = [subscriptionsProjector, createCreatorsProjector()];
  const running = runProjectors(db, projectors, { batchSize: 100, pollIntervalMs: 20, signal: controller.signal, logger });
  t.teardown(async () => {
    controller.abort();
    await running;
  });
  t.ok(await eventually(async () => (await projectionStatus(db)).some((s) => s.name === 'subscriptions' && s.haltedAt !== null)), 'subscriptions halts');
  const halted = (await projectionStatus(db)).find((s) => s.name === 'subscriptions')!;
  t.match(halted, { state: 'failed', haltedAt: { type: 'SubscriptionActivated', streamId: `subscription-${address('w2')}-${creator}` }, lagEvents: 2 });
  t.match(halted.haltedAt!.error, /subscriptions: cannot apply SubscriptionActivated .* position \d+\/\d+\): .*out of range for type bigint/);
  t.equal(await subscriptionRows(db), 1, 'the events before it are applied (the failing batch was replayed one event at a time), none after');
  const position = halted.haltedAt!.position;
  t.ok(lines.some((l) => l.position === position && l.type === 'SubscriptionActivated' && l.streamId === halted.haltedAt!.streamId && l.level === 50), 'logged with position, type and stream');

  await appendToStreams(db, [{ streamId: `creator-${creator}`, events: [creatorEvent('CreatorRegistered', creator, { displayName: 'Carol', registeredAt: at(0) })] }]);
  t.ok(await eventually(async () => (await projectionStatus(db)).some((s) => s.name === 'creators' && s.eventsProcessed === 1)), 'the other projector keeps running');
  await app.readiness.refresh(); // /ready answers from the monitor's last check
  const ready = await app.inject({ method: 'GET', url: '/ready' });
  t.equal(ready.statusCode, 200, 'one read model halted is not this instance unable to serve');
  t.match(ready.json().projections.find((p: { name: string }) => p.name === 'subscriptions'), { state: 'failed', haltedAt: { position, type: 'SubscriptionActivated' }, parked: 0 });
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.match(metrics.body, /substream_projection_dead_letters\{projector="subscriptions",status="halted"\} 1/);

  const retry = await substream(['projections', 'retry', 'subscriptions', position], { DATABASE_URL: url });
  t.equal(retry.code, 1, `a retry that fails again exits 1 ${retry.stderr}`);
  t.match(retry.stderr, /failed again, still halted: .*out of range for type bigint/);
  t.match((await openDeadLetters(db))[0], { status: 'halted', attempts: 2 });

  const skip = await substream(['projections', 'skip', 'subscriptions', position], { DATABASE_URL: url });
  t.equal(skip.code, 0, `skip exits 0 ${skip.stderr}`);
  t.match(skip.stdout, new RegExp(`SubscriptionActivated .* at ${position} skipped`));
  t.ok(await eventually(async () => (await projectionStatus(db)).some((s) => s.name === 'subscriptions' && s.state === 'live' && s.lagEvents === 0)), 'it follows on past the skipped event');
  t.equal(await subscriptionRows(db), 2, 'the event after the skipped one is applied');
  t.same((await openDeadLetters(db)).length, 0, 'nothing is open');
  t.equal((await substream(['projections', 'skip', 'subscriptions', position], { DATABASE_URL: url })).code, 1, 'a resolved dead letter cannot be resolved again');
  t.equal((await substream(['projections', 'retry', 'subscriptions', 'x'], { DATABASE_URL: url })).code, 2, 'a position is commit/prepare');
});

t.test('a halted event fixed meanwhile: retry applies it and the projector follows on', async (t) => {
  const { db, url } = (await testApp(t)).database;
  await appendToStreams(db, appendsFor([activated('w1', 1e20), billed('w2', 2)]));
  const controller = new AbortController();
  const running = runProjectors(db, [subscriptionsProjector], { batchSize: 100, pollIntervalMs: 20, signal: controller.signal });
  t.teardown(async () => {
    controller.abort();
    await running;
  });
  t.ok(await eventually(async () => (await projectionStatus(db))[0]?.haltedAt != null));
  const { position } = (await projectionStatus(db))[0]!.haltedAt!;
  await sql`update events set data = jsonb_set(data, '{planId}', '3') where type = 'SubscriptionActivated'`.execute(db);
  const retry = await substream(['projections', 'retry', 'subscriptions', position], { DATABASE_URL: url });
  t.equal(retry.code, 0, `retry exits 0 ${retry.stderr}`);
  t.ok(await eventually(async () => (await projectionStatus(db))[0]!.lagEvents === 0), 'the running loop follows on');
  t.equal(await subscriptionRows(db), 2);
  t.match((await sql<{ status: string }>`select status from projection_dead_letters`.execute(db)).rows, [{ status: 'retried' }]);
});

t.test('policy park (no money): the projector sets the event aside and goes on; retry and skip resolve it', async (t) => {
  const { app, database } = await testApp(t);
  const { db, url } = database;
  const broken = creatorEvent('CreatorRegistered', creator, { displayName: 'Carol', registeredAt: at(0) });
  (broken.data as { creator: string }).creator = ''; // the projector refuses it (ProjectionError)
  await appendToStreams(db, [
    { streamId: 'creator-broken', events: [broken] },
    { streamId: `creator-${creator}`, events: [creatorEvent('CreatorRegistered', creator, { displayName: 'Carol', registeredAt: at(1) })] },
  ]);
  const controller = new AbortController();
  const running = runProjectors(db, [createCreatorsProjector()], { batchSize: 100, pollIntervalMs: 20, signal: controller.signal });
  t.teardown(async () => {
    controller.abort();
    await running;
  });
  t.ok(await eventually(async () => (await projectionStatus(db))[0]?.lagEvents === 0 && (await projectionStatus(db))[0]?.parked === 1), 'parked, and caught up');
  const [status] = await projectionStatus(db);
  t.match(status, { state: 'live', haltedAt: null, parked: 1, eventsProcessed: 1 });
  const [parked] = await openDeadLetters(db);
  t.match(parked, { projector: 'creators', status: 'parked', type: 'CreatorRegistered', streamId: 'creator-broken', error: /creators: cannot apply CreatorRegistered .*\(stream creator-broken@0, position \d+\/\d+\): event has no creator/ });
  await app.readiness.refresh(); // /ready answers from the monitor's last check
  const ready = await app.inject({ method: 'GET', url: '/ready' });
  t.match([ready.statusCode, ready.json().projections[0].parked], [200, 1]);

  const retry = await substream(['projections', 'retry', 'creators', parked!.position], { DATABASE_URL: url });
  t.equal(retry.code, 1, 'the retry fails again');
  t.match((await openDeadLetters(db))[0], { status: 'parked', attempts: 2 });
  const skip = await substream(['projections', 'skip', 'creators', parked!.position], { DATABASE_URL: url });
  t.equal(skip.code, 0, skip.stderr);
  t.same(await openDeadLetters(db), []);
  t.equal((await projectionStatus(db))[0]!.parked, 0);
});
