import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { paymentStreamId } from '../../domain/stream/events.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import type { EventStore, NewEvent } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { randomContract } from '../support/stream-events.ts';

const TOKEN = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
/** Chain time of a ledger's close in these tests: ledger 0 at 2026-11-01, one ledger every 5 s. */
const BASE = Date.UTC(2026, 10, 1);
const closeOf = (ledger: number, base = BASE): string => new Date(base + ledger * 5_000).toISOString();

/** A chain fact the way the indexer records it, at a ledger closing at `closeOf(ledger, base)`. */
function fact(type: string, data: Record<string, unknown>, ledger: number, tenantId: string, base = BASE): NewEvent {
  const chain = { ledger, ledgerClosedAt: closeOf(ledger, base), txHash: randomBytes(32).toString('hex'), operationIndex: 0, eventIndex: 0, contractId: TOKEN };
  return { id: randomUUID(), type, data, metadata: { source: 'chain', tenantId, chain } };
}

function intent(type: string, data: Record<string, unknown>, tenantId: string): NewEvent {
  return { id: randomUUID(), type, data, metadata: { source: 'command', tenantId, correlationId: 'req-test' } };
}

async function processed(db: Db, job: string, from: number, to: number) {
  await sql`insert into indexer_ranges (job, from_ledger, to_ledger) values (${job}, ${from}, ${to})`.execute(db);
}

const project = async (db: Db) => {
  for (const projector of allProjectors) await catchUp(db, projector);
};

async function subscriptionHistory(t: Parameters<typeof testApp>[0]) {
  const harness = await testApp(t);
  const subscriber = randomAccount();
  const creator = randomAccount();
  const store: EventStore = harness.app.services.eventStore;
  const pair = { subscriber, creator };
  const stream = subscriptionStreamId(subscriber, creator);
  await store.append(stream, [
    fact('SubscriptionActivated', { ...pair, token: TOKEN, ratePerSecond: '5', planId: 1, activatedAt: closeOf(100) }, 100, creator),
    fact('SubscriptionBilled', { ...pair, amount: '700', billedAt: closeOf(110), merchantReferenceId: null, receiptHash: null }, 110, creator),
  ]);
  const learned = new Date();
  await new Promise((resolve) => setTimeout(resolve, 30));
  // A backfill of an older ledger learned late, then the cancellation.
  await store.append(stream, [
    fact('SubscriptionBilled', { ...pair, amount: '300', billedAt: closeOf(105), merchantReferenceId: null, receiptHash: null }, 105, creator),
    fact('SubscriptionCancelled', { ...pair, refundAmount: '0', cancelledAt: closeOf(120) }, 120, creator),
  ]);
  await processed(harness.database.db, 'live', 90, 112);
  await processed(harness.database.db, 'replay:archive:114-130', 114, 130);
  await project(harness.database.db);
  const auth = { authorization: `Bearer ${await harness.token(subscriber)}` };
  const get = async (query: string, headers = auth) => harness.app.inject({ method: 'GET', url: `/v1/subscriptions/${subscriber}-${creator}${query}`, headers });
  return { ...harness, subscriber, creator, learned, get, auth };
}

t.test('GET /v1/subscriptions/:id as of a ledger, a chain time and a knowledge time', async (t) => {
  const { get, learned, creator, token, app, auth } = await subscriptionHistory(t);

  const now = await get('');
  t.equal(now.statusCode, 200, now.body);
  t.equal(now.json().status, 'cancelled');
  t.notOk('asOf' in now.json(), 'a plain read says nothing about a bound');

  const cases: { query: string; status: string; billed: string; bills: number; complete: boolean; events: number }[] = [
    { query: '?asOfLedger=100', status: 'active', billed: '0', bills: 0, complete: true, events: 1 },
    { query: '?asOfLedger=107', status: 'active', billed: '300', bills: 1, complete: true, events: 2 },
    { query: `?asOfLedger=107&knownAt=${learned.toISOString()}`, status: 'active', billed: '0', bills: 0, complete: true, events: 1 },
    { query: '?asOfLedger=115', status: 'active', billed: '1000', bills: 2, complete: false, events: 3 },
    { query: '?asOfLedger=125', status: 'cancelled', billed: '1000', bills: 2, complete: false, events: 4 },
    { query: `?asOf=${closeOf(101)}`, status: 'active', billed: '0', bills: 0, complete: true, events: 1 },
    { query: `?asOf=${closeOf(111)}`, status: 'active', billed: '1000', bills: 2, complete: false, events: 3 },
    { query: `?knownAt=${learned.toISOString()}`, status: 'active', billed: '700', bills: 1, complete: false, events: 2 },
  ];
  for (const c of cases) {
    const response = await get(c.query);
    t.equal(response.statusCode, 200, `${c.query}: ${response.body}`);
    const body = response.json();
    t.match(body, { status: c.status, totalBilled: c.billed, billsCount: c.bills }, c.query);
    t.equal(body.asOf.complete, c.complete, `${c.query}: complete`);
    t.equal(body.asOf.events, c.events, `${c.query}: events folded`);
    t.equal(body.asOf.of, 4);
  }
  const gap = (await get('?asOfLedger=115')).json().asOf;
  t.same(gap.gaps, [{ from: 113, to: 113 }], 'the hole at or below the bound is named');
  t.equal(gap.ledger, 115);
  t.equal(gap.time, closeOf(110), 'a ledger bound reports the close time of its last stored ledger');
  const timed = (await get(`?asOf=${closeOf(111)}`)).json().asOf;
  t.equal(timed.ledger, 110, 'a time bound reports the last ledger closed by then');

  const before = await get('?asOfLedger=99');
  t.equal(before.statusCode, 404);
  t.equal(before.json().code, 'SUBSCRIPTION.NOT_FOUND');
  t.equal(before.json().details.asOf.events, 0);

  const mine = async (query: string) => (await app.inject({ method: 'GET', url: `/v1/me/subscriptions${query}`, headers: auth })).json();
  t.match((await mine('?asOfLedger=107')).items, [{ billsCount: 1, totalBilled: '300' }], 'the wallet\'s list as of a ledger');
  t.same((await mine('?asOfLedger=99')).items, [], 'nothing existed yet');
  t.equal((await mine(`?asOf=${closeOf(125)}`)).items[0].status, 'cancelled');

  const creatorView = await get('?asOfLedger=107', { authorization: `Bearer ${await token(creator, creator)}` });
  t.equal(creatorView.statusCode, 200, 'the creator (tenant) reads it as of a bound too');
  const stranger = await get('?asOfLedger=107', { authorization: `Bearer ${await token(randomAccount())}` });
  t.equal(stranger.statusCode, 404, 'a wallet that may not see it now may not see it then');
});

t.test('invalid as-of bounds are 400 in the one error shape', async (t) => {
  const { get } = await subscriptionHistory(t);
  for (const query of ['?asOfLedger=0', '?asOfLedger=-3', '?asOfLedger=4294967296', '?asOfLedger=1.5', '?asOfLedger=x', '?asOf=yesterday',
    '?asOf=2026-11-01', '?knownAt=2026-13-01T00:00:00Z', `?asOfLedger=10&asOf=${closeOf(1)}`]) {
    const response = await get(query);
    t.equal(response.statusCode, 400, `${query}: ${response.body}`);
    t.type(response.json().code, 'string', query);
    t.type(response.json().message, 'string', query);
  }
});

t.test('GET /v1/streams/:id as of a ledger: intents by their commit time, amounts at the bound', async (t) => {
  const contract = randomContract();
  const harness = await testApp(t, { STELLARSTREAM_CONTRACT_ID: contract });
  const sender = randomAccount();
  const receiver = randomAccount();
  const store: EventStore = harness.app.services.eventStore;
  const ref = { contractId: contract, streamId: '9' };
  const stream = paymentStreamId(contract, '9');
  // Ledger 200 closed an hour ago; ledger 920 closes about now.
  const base = Date.now() - 3_600_000 - 200 * 5_000;
  const at = (ledger: number) => closeOf(ledger, base);
  await store.append(stream, [fact('StreamCreated', {
    ...ref, sender, receiver, token: TOKEN, totalAmount: '3600', startAt: at(200), cliffAt: null, endAt: at(200 + 720), memo: null, createdAt: at(200),
  }, 200, receiver, base)]);
  await new Promise((resolve) => setTimeout(resolve, 10));
  await store.append(stream, [intent('WithdrawalRequested', { ...ref, beneficiary: receiver, amount: '50', requestedAt: new Date().toISOString() }, receiver)]);
  await new Promise((resolve) => setTimeout(resolve, 10));
  await store.append(stream, [
    fact('StreamToppedUp', { ...ref, caller: sender, amount: '400', toppedUpAt: new Date(Date.now() + 5_000).toISOString() }, 922, receiver, base + 10_000),
    fact('StreamWithdrawn', { ...ref, beneficiary: receiver, amount: '50', withdrawnTotal: '50', withdrawnAt: at(930) }, 930, receiver, base + 10_000),
  ]);
  await processed(harness.database.db, 'live', 150, 1_000);
  await project(harness.database.db);
  const auth = { authorization: `Bearer ${await harness.token(receiver)}` };
  const get = (query: string) => harness.app.inject({ method: 'GET', url: `/v1/streams/${contract}-9${query}`, headers: auth });

  const early = (await get('?asOfLedger=210')).json();
  t.match(early, { deposited: '3600', withdrawn: '0', pendingWithdrawal: null }, 'the intent was committed after ledger 210 closed');
  t.equal(early.at, new Date(Math.floor(Date.parse(at(200)) / 1000) * 1000).toISOString(), 'amounts at the close of the last ledger shown');
  t.equal(early.asOf.complete, true);

  const pending = (await get('?asOfLedger=925')).json();
  t.match(pending, { deposited: '4000', withdrawn: '0', pendingWithdrawal: '50' }, 'by ledger 925 the withdrawal was asked for and not confirmed');
  const done = (await get('?asOfLedger=930')).json();
  t.match(done, { deposited: '4000', withdrawn: '50', pendingWithdrawal: null });
  const explicit = (await get(`?asOfLedger=925&at=${Math.floor(Date.parse(at(200)) / 1000) + 360}`)).json();
  t.equal(explicit.streamed, '400', '`at` still picks the moment the amounts are computed for (a tenth of the schedule: 4000 / 10)');

  const missing = await get('?asOfLedger=199');
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'STREAM.NOT_FOUND');
  const stranger = await harness.app.inject({ method: 'GET', url: `/v1/streams/${contract}-9?asOfLedger=925`, headers: { authorization: `Bearer ${await harness.token(randomAccount())}` } });
  t.equal(stranger.statusCode, 404);
});

t.test('GET /v1/creators/me/subscribers/diff: joined, upgraded, downgraded, churned between two chain points', async (t) => {
  const harness = await testApp(t);
  const store: EventStore = harness.app.services.eventStore;
  const creator = randomAccount();
  const [joiner, churner, upgrader, downgrader, steady] = Array.from({ length: 5 }, () => randomAccount());
  const activated = (subscriber: string, ledger: number, rate = '5') =>
    fact('SubscriptionActivated', { subscriber, creator, token: TOKEN, ratePerSecond: rate, planId: 1, activatedAt: closeOf(ledger) }, ledger, creator);
  const tier = (subscriber: string, ledger: number, newRate: string) =>
    fact('TierChanged', { subscriber, creator, oldRate: '5', newRate, changedAt: closeOf(ledger) }, ledger, creator);
  const histories: [string, NewEvent[]][] = [
    [joiner!, [activated(joiner!, 110)]],
    [churner!, [activated(churner!, 100), fact('SubscriptionCancelled', { subscriber: churner, creator, refundAmount: '0', cancelledAt: closeOf(120) }, 120, creator)]],
    [upgrader!, [activated(upgrader!, 100), tier(upgrader!, 115, '9')]],
    [downgrader!, [activated(downgrader!, 100), tier(downgrader!, 116, '2')]],
    [steady!, [activated(steady!, 100)]],
  ];
  for (const [subscriber, events] of histories) await store.append(subscriptionStreamId(subscriber, creator), events);
  await processed(harness.database.db, 'live', 90, 130);
  await project(harness.database.db);
  const get = async (query: string, who = creator) =>
    harness.app.inject({ method: 'GET', url: `/v1/creators/me/subscribers/diff${query}`, headers: { authorization: `Bearer ${await harness.token(who, who)}` } });

  for (const query of ['?from=105&to=125', `?from=${closeOf(105)}&to=${closeOf(125)}`, `?from=105&to=${closeOf(125)}`]) {
    const response = await get(query);
    t.equal(response.statusCode, 200, `${query}: ${response.body}`);
    const body = response.json();
    const changes = Object.fromEntries(body.items.map((i: { subscriber: string; change: string }) => [i.subscriber, i.change]));
    t.same(changes, { [joiner!]: 'joined', [churner!]: 'churned', [upgrader!]: 'upgraded', [downgrader!]: 'downgraded' }, query);
    t.equal(body.subscribers, 5);
    t.equal(body.from.complete, true);
    t.equal(body.to.events, 8, 'every event up to ledger 125');
  }
  const reversed = (await get('?from=125&to=105')).json();
  t.same(Object.fromEntries(reversed.items.map((i: { subscriber: string; change: string }) => [i.subscriber, i.change])),
    { [joiner!]: 'churned', [churner!]: 'joined', [upgrader!]: 'downgraded', [downgrader!]: 'upgraded' }, 'backwards, every change turns around');
  const unchanged = (await get('?from=121&to=125')).json();
  t.same(unchanged.items, [], 'nothing moved between 121 and 125');
  const other = (await get('?from=105&to=125', randomAccount())).json();
  t.same([other.items, other.subscribers], [[], 0], 'another tenant diffs only its own subscribers');
  for (const bad of ['?from=105', '?from=0&to=5', '?from=abc&to=5', '?from=5&to=2026-11-01', '?from=5&to=99999999999']) {
    const response = await get(bad);
    t.equal(response.statusCode, 400, `${bad}: ${response.body}`);
    t.type(response.json().code, 'string');
  }
});
