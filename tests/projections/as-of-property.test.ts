import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import t from 'tap';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { NewEvent, RecordedEvent } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import { subscriptionAsOf, type AsOfRequest } from '../../projections/as-of/queries.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { catchUp } from '../../projections/runner.ts';
import { createSubscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { getSubscription } from '../../projections/subscriptions/queries.ts';
import { testDatabase } from '../support/database.ts';
import { canonicalJson, FOLDED_MODELS, type TextRow } from '../support/replay-fold.ts';
import { CREATORS, SUBSCRIBERS, TOKEN } from '../support/replay-history.ts';

// AS_OF_HISTORIES (default 15) histories of one subscription, each checked at AS_OF_BOUNDS (default 12) random bounds; AS_OF_SEED replays a run.
const HISTORIES = Number(process.env.AS_OF_HISTORIES ?? 15);
const BOUNDS = Number(process.env.AS_OF_BOUNDS ?? 12);
const seed = process.env.AS_OF_SEED ? Number(process.env.AS_OF_SEED) : Date.now() % 2 ** 31;
t.setTimeout(600_000);

const subscriber = SUBSCRIBERS[0]!;
const creator = CREATORS[0]!;
const FIRST = 1_000;
const LEDGERS = 40;
/** Ledger L closes `LEDGER_MS` after L - 1, from the history's start: the appends run through the same span of time. */
const LEDGER_MS = 15;

type Spec =
  | { kind: 'requested' | 'cancelRequested' }
  | { kind: 'activated' | 'billed' | 'tip' | 'grace' | 'cancelled'; ledger: number; amount: bigint };

const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ kind: fc.constantFrom('requested' as const, 'cancelRequested' as const) }),
  fc.record({
    kind: fc.constantFrom('activated' as const, 'billed' as const, 'billed' as const, 'tip' as const, 'grace' as const, 'cancelled' as const),
    ledger: fc.integer({ min: FIRST, max: FIRST + LEDGERS }),
    amount: fc.bigInt({ min: 1n, max: 10n ** 12n }),
  }),
);

/** A bound to ask: a ledger, a chain time (ms after the start), both kinds with `knownAt` (an event's commit time, or any). */
type BoundSpec = { chain: 'none' | 'ledger' | 'time'; ledger: number; timeMs: number; known: 'none' | 'event' | 'any'; knownEvent: number; knownMs: number };
const boundSpec: fc.Arbitrary<BoundSpec> = fc.record({
  chain: fc.constantFrom('none' as const, 'ledger' as const, 'ledger' as const, 'time' as const, 'time' as const),
  ledger: fc.integer({ min: FIRST - 2, max: FIRST + LEDGERS + 2 }),
  timeMs: fc.integer({ min: -50, max: (LEDGERS + 5) * LEDGER_MS * 4 }),
  known: fc.constantFrom('none' as const, 'event' as const, 'any' as const),
  knownEvent: fc.nat(),
  knownMs: fc.integer({ min: -50, max: (LEDGERS + 5) * LEDGER_MS * 4 }),
});

const historyArbitrary = fc.record({ specs: fc.array(spec, { minLength: 1, maxLength: 14 }), bounds: fc.array(boundSpec, { minLength: BOUNDS, maxLength: BOUNDS }) });

type FactSpec = Extract<Spec, { ledger: number }>;
const isFact = (s: Spec): s is FactSpec => 'ledger' in s;

function newEvent(s: Spec, start: number): NewEvent {
  const pair = { subscriber, creator };
  const now = new Date().toISOString();
  if (!isFact(s)) {
    const metadata = { source: 'command' as const, tenantId: creator, correlationId: 'property' };
    return s.kind === 'requested'
      ? { id: randomUUID(), type: 'SubscriptionRequested', data: { ...pair, tier: 'bronze', token: TOKEN, ratePerSecond: '5', requestedAt: now, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, metadata }
      : { id: randomUUID(), type: 'CancellationRequested', data: { ...pair, requestedAt: now }, metadata };
  }
  const at = new Date(start + (s.ledger - FIRST) * LEDGER_MS).toISOString();
  const amount = s.amount.toString();
  const facts = {
    activated: ['SubscriptionActivated', { token: TOKEN, ratePerSecond: amount, planId: 1, activatedAt: at }],
    billed: ['SubscriptionBilled', { amount, billedAt: at, merchantReferenceId: null, receiptHash: null }],
    tip: ['TipReceived', { token: TOKEN, amount, tippedAt: at }],
    grace: ['GracePeriodStarted', { dunningStartedAt: at, graceEndsAt: at, merchantReferenceId: null }],
    cancelled: ['SubscriptionCancelled', { refundAmount: amount, cancelledAt: at }],
  } as const;
  const [type, data] = facts[s.kind];
  const chain = { ledger: s.ledger, ledgerClosedAt: at, txHash: 'ab'.repeat(32), operationIndex: 0, eventIndex: 0, contractId: TOKEN };
  return { id: randomUUID(), type, data: { ...pair, ...data }, metadata: { source: 'chain', tenantId: creator, chain } };
}

/** The bound's events, written from the words: facts by ledger (or its close time), intents by commit time, all by what was known. */
function expectedEvents(events: RecordedEvent[], request: AsOfRequest): RecordedEvent[] {
  const facts = events.filter((e) => e.metadata.chain);
  let intentsUntil: number | null = null;
  if (request.time) intentsUntil = request.time.getTime();
  if (request.ledger !== undefined) {
    const last = facts.filter((e) => e.metadata.chain!.ledger <= request.ledger!).sort((a, b) => b.metadata.chain!.ledger - a.metadata.chain!.ledger)[0];
    intentsUntil = last ? Date.parse(last.metadata.chain!.ledgerClosedAt) : null;
  }
  const chainBound = request.ledger !== undefined || request.time !== undefined;
  return events.filter((e) => {
    if (request.knownAt && e.recordedAt.getTime() > request.knownAt.getTime()) return false;
    if (!chainBound) return true;
    const chain = e.metadata.chain;
    if (chain && request.ledger !== undefined) return chain.ledger <= request.ledger;
    if (chain) return Date.parse(chain.ledgerClosedAt) <= request.time!.getTime();
    return intentsUntil !== null && e.recordedAt.getTime() <= intentsUntil;
  });
}

/** The API's view as the reference fold's text row (only the columns the view shows). */
function asText(view: object): TextRow {
  const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return Object.fromEntries(Object.entries(view).map(([k, v]) => [snake(k), v === null ? null : typeof v === 'object' ? canonicalJson(v) : String(v)]));
}
const pick = (row: TextRow | null, keys: string[]): TextRow | null => row && Object.fromEntries(keys.map((k) => [k, row[k] ?? null]));

async function reset(db: Db): Promise<void> {
  for (const table of ['events', 'subscriptions', 'projection_checkpoints']) await sql`delete from ${sql.table(table)}`.execute(db);
}

t.test('as-of answers equal a from-scratch fold of the events within the bound, and the read model stopped at that position', async (t) => {
  const { db } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const projector = createSubscriptionsProjector();
  const reference = FOLDED_MODELS.find((m) => m.table === 'subscriptions')!;
  let checked = 0;
  let stopped = 0;
  t.comment(`seed ${seed} (AS_OF_SEED replays it)`);
  await fc.assert(
    fc.asyncProperty(historyArbitrary, async ({ specs, bounds }) => {
      await reset(db);
      const start = Date.now();
      const snapshots: { recordedAt: Date; row: unknown }[] = [];
      for (const s of specs) {
        await store.append(subscriptionStreamId(subscriber, creator), [newEvent(s, start)]);
        await catchUp(db, projector);
        const row = await withReadScope(db, { tenantId: creator }, (trx) => getSubscription(trx, `${subscriber}-${creator}`));
        const [last] = await store.readStream(subscriptionStreamId(subscriber, creator), { direction: 'backwards', limit: 1 });
        snapshots.push({ recordedAt: last!.recordedAt, row });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const events = await store.readStream(subscriptionStreamId(subscriber, creator));
      for (const b of bounds) {
        const knownAt = b.known === 'none' ? undefined : b.known === 'event' ? snapshots[b.knownEvent % snapshots.length]!.recordedAt : new Date(start + b.knownMs);
        const request: AsOfRequest = {
          ledger: b.chain === 'ledger' ? b.ledger : undefined,
          time: b.chain === 'time' ? new Date(start + b.timeMs) : undefined,
          knownAt,
        };
        const { value, asOf } = await subscriptionAsOf(db, store, subscriber, creator, request);
        const within = expectedEvents(events, request);
        t.equal(asOf.events, within.length);
        const expected = reference.fold(within);
        if (!value || !expected) {
          if (value || expected) throw new Error(`existence differs for ${JSON.stringify(request)}: as-of ${JSON.stringify(value)}, fold ${JSON.stringify(expected)}`);
        } else {
          const actual = asText(value);
          const keys = Object.keys(actual);
          if (canonicalJson(actual) !== canonicalJson(pick(expected, keys))) {
            throw new Error(`as-of ≠ fold for ${JSON.stringify(request)}:\n${canonicalJson(actual)}\n${canonicalJson(pick(expected, keys))}`);
          }
        }
        checked++;
        if (b.chain === 'none' && b.known === 'event') {
          // Knowing only what was committed by an event's commit: the read model as it stood right after that event.
          const snapshot = snapshots[b.knownEvent % snapshots.length]!;
          if (canonicalJson(value ?? null) !== canonicalJson(snapshot.row ?? null)) {
            throw new Error(`knownAt ${snapshot.recordedAt.toISOString()}: as-of ≠ read model stopped there\n${canonicalJson(value)}\n${canonicalJson(snapshot.row)}`);
          }
          stopped++;
        }
      }
    }),
    { numRuns: HISTORIES, seed, endOnFailure: true },
  );
  t.ok(checked >= HISTORIES * BOUNDS, `${checked} bounds checked against the fold, ${stopped} against the stopped read model`);
  t.ok(stopped > 0, 'some bounds were checked against the read model stopped at their position');
});
