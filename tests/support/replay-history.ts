import { createHash } from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';
import fc from 'fast-check';
import type { RawContractEvent } from '../../indexer/sources/types.ts';
import { addr, bytes, contract, i128, map, rawEvent, str, sym, u32, u64, vec } from '../indexer/events.ts';

/**
 * A generated history for the replay-equivalence property: commands, chain facts delivered by two
 * sources (an RPC feed and a lagging archive; a fact may come from either or both), and the
 * projector and indexer runs between them, including crash points.
 */

export const SUBSTREAM = contract('replay-substream');
export const STREAM_V1 = contract('replay-stellarstream-v1');
export const STREAM_V2 = contract('replay-stellarstream-v2');
export const TOKEN = contract('replay-token');
export const CONTRACTS = `${SUBSTREAM}=substream-v1,${STREAM_V1}=stellarstream-v1,${STREAM_V2}=stellarstream-v2`;

/** A real (checksummed) account address derived from a label. */
const account = (label: string): string => Keypair.fromRawEd25519Seed(createHash('sha256').update(label).digest()).publicKey();

export const CREATORS = [account('replay-creator-0'), account('replay-creator-1')];
export const SUBSCRIBERS = [account('replay-subscriber-0'), account('replay-subscriber-1'), account('replay-subscriber-2')];
/** The payment streams: one on each StellarStream version, sender → receiver. */
export const PAYMENT_STREAMS = [
  { contractId: STREAM_V1, onchainId: 7n, sender: SUBSCRIBERS[0]!, receiver: CREATORS[0]! },
  { contractId: STREAM_V2, onchainId: 42n, sender: SUBSCRIBERS[1]!, receiver: CREATORS[1]! },
];

/** Chain time of ledger 0 (seconds); a ledger closes every 5 s. */
export const T0 = 1_790_000_000;
export const FIRST_LEDGER = 1_000;

export type Source = 'rpc' | 'archive';
const PAIR = { sub: fc.nat({ max: SUBSCRIBERS.length - 1 }), creator: fc.nat({ max: CREATORS.length - 1 }) };
const money = fc.bigInt({ min: 0n, max: 10n ** 12n });

export type SubscriptionFactSpec =
  | { name: 'created' | 'subscribed'; rate: bigint; planId: number }
  | { name: 'billed' | 'renewed' | 'tip'; amount: bigint }
  | { name: 'trial' | 'grace' | 'unsubscribed' }
  | { name: 'cancelled'; refund: bigint }
  | { name: 'tier'; oldRate: bigint; newRate: bigint };
export type StreamFactSpec =
  | { name: 'create'; amount: bigint; start: number; length: number }
  | { name: 'topup' | 'claim'; amount: bigint }
  | { name: 'cancel'; toReceiver: bigint; toSender: bigint }
  | { name: 'pause' | 'resume' };

/**
 * One step of a history. `skew` moves a fact's own time off its ledger's close time (late or early facts);
 * `index` runs a source's indexer job up to a fraction `upTo` of the ledgers so far (a lagging or interrupted job),
 * `concurrent`ly with the next steps or not.
 */
export type Step =
  | { kind: 'subscribe'; sub: number; creator: number; tier: 'bronze' | 'silver' }
  | { kind: 'cancel'; sub: number; creator: number; byCreator: boolean }
  | { kind: 'expire'; sub: number; creator: number }
  | { kind: 'setTiers'; creator: number; silverPerMonth: bigint }
  | { kind: 'withdraw'; stream: number; amount: bigint | null }
  | { kind: 'cancelStream'; stream: number }
  | { kind: 'subscriptionFact'; sub: number; creator: number; fact: SubscriptionFactSpec; via: Source | 'both'; skew: number }
  | { kind: 'streamFact'; stream: number; fact: StreamFactSpec; via: Source | 'both'; skew: number }
  | { kind: 'index'; source: Source; upTo: number; concurrent: boolean }
  | { kind: 'project'; projector: number; batches: number; batchSize: number }
  | { kind: 'crashInBatch'; projector: number; batchSize: number; after: number }
  | { kind: 'runnerBurst'; ms: number };

const subscriptionFact: fc.Arbitrary<SubscriptionFactSpec> = fc.oneof(
  fc.record({ name: fc.constantFrom('created' as const, 'subscribed' as const), rate: fc.bigInt({ min: 1n, max: 10n ** 6n }), planId: fc.nat({ max: 2 ** 32 - 1 }) }),
  fc.record({ name: fc.constantFrom('billed' as const, 'renewed' as const, 'tip' as const), amount: money }),
  fc.record({ name: fc.constantFrom('trial' as const, 'grace' as const, 'unsubscribed' as const) }),
  fc.record({ name: fc.constant('cancelled' as const), refund: money }),
  fc.record({ name: fc.constant('tier' as const), oldRate: fc.bigInt({ min: 1n, max: 10n ** 6n }), newRate: fc.bigInt({ min: 1n, max: 10n ** 6n }) }),
);
const streamFact: fc.Arbitrary<StreamFactSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ name: fc.constant('create' as const), amount: fc.bigInt({ min: 1n, max: 10n ** 9n }), start: fc.integer({ min: -600, max: 60 }), length: fc.integer({ min: 1, max: 3_600 }) }) },
  fc.record({ name: fc.constantFrom('topup' as const, 'claim' as const), amount: money }),
  fc.record({ name: fc.constant('cancel' as const), toReceiver: money, toSender: money }),
  fc.record({ name: fc.constantFrom('pause' as const, 'resume' as const) }),
);
const via = fc.constantFrom<Source | 'both'>('rpc', 'rpc', 'archive', 'both', 'both');
const skew = fc.integer({ min: -900, max: 900 });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('subscribe' as const), ...PAIR, tier: fc.constantFrom('bronze' as const, 'silver' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), ...PAIR, byCreator: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), ...PAIR }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setTiers' as const), creator: PAIR.creator, silverPerMonth: fc.bigInt({ min: 10n ** 7n, max: 3n * 10n ** 8n }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), stream: fc.nat({ max: 1 }), amount: fc.option(fc.bigInt({ min: 1n, max: 10n ** 6n }), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelStream' as const), stream: fc.nat({ max: 1 }) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('subscriptionFact' as const), ...PAIR, fact: subscriptionFact, via, skew }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('streamFact' as const), stream: fc.nat({ max: 1 }), fact: streamFact, via, skew }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('index' as const), source: fc.constantFrom<Source>('rpc', 'rpc', 'archive'), upTo: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })), concurrent: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('project' as const), projector: fc.nat({ max: 2 }), batches: fc.integer({ min: 1, max: 3 }), batchSize: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crashInBatch' as const), projector: fc.nat({ max: 2 }), batchSize: fc.integer({ min: 2, max: 10 }), after: fc.nat({ max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('runnerBurst' as const), ms: fc.integer({ min: 0, max: 25 }) }) },
);

/** A history: 10–40 steps. */
export const historyArbitrary: fc.Arbitrary<Step[]> = fc.array(step, { minLength: 10, maxLength: 40 });

/** Chain time (unix seconds) of a ledger's close. */
export const ledgerTime = (ledger: number): number => T0 + (ledger - FIRST_LEDGER) * 5;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A deterministic transaction hash per (history, ledger): the same fact from two sources has one identity. */
function txHash(history: number, ledger: number): string {
  return createHash('sha256').update(`replay-${history}-${ledger}`).digest('hex');
}

function subscriptionEvent(fact: SubscriptionFactSpec, sub: string, creator: string, at: number, over: Partial<RawContractEvent>): RawContractEvent {
  const pair = [addr(sub), addr(creator)];
  switch (fact.name) {
    case 'created':
      return rawEvent(SUBSTREAM, [sym('subscription_created'), ...pair, u32(fact.planId)], map({ token: addr(TOKEN), rate_per_second: i128(fact.rate), created_at: u64(at) }), over);
    case 'subscribed':
      return rawEvent(SUBSTREAM, [sym('subscribed'), ...pair], map({ rate_per_second: i128(fact.rate) }), over);
    case 'billed':
      return rawEvent(SUBSTREAM, [sym('subscription_billed'), ...pair, i128(fact.amount)], map({ billed_at: u64(at), merchant_reference_id: str(`inv-${at}`), receipt_hash: bytes(Buffer.alloc(32, at % 256)) }), over);
    case 'renewed':
      return rawEvent(SUBSTREAM, [sym('subscription_renewed'), ...pair, i128(fact.amount)], map({ next_billing_date: u64(at + 2_592_000), renewed_at: u64(at) }), over);
    case 'tip':
      return rawEvent(SUBSTREAM, [addr(sub), addr(creator), addr(TOKEN)], i128(fact.amount), over);
    case 'trial':
      return rawEvent(SUBSTREAM, [sym('trial_started'), ...pair], map({ trial_duration: u64(604_800), started_at: u64(at), merchant_reference_id: str('trial') }), over);
    case 'grace':
      return rawEvent(SUBSTREAM, [str('payment_failed_grace_period_started'), ...pair], map({ dunning_start_timestamp: u64(at), grace_period_end: u64(at + 259_200), merchant_reference_id: str('dunning') }), over);
    case 'unsubscribed':
      return rawEvent(SUBSTREAM, [sym('unsubscribed'), ...pair], map({}), over);
    case 'cancelled':
      return rawEvent(SUBSTREAM, [sym('subscription_cancelled'), ...pair], map({ refund_amount: i128(fact.refund), cancelled_at: u64(at) }), over);
    case 'tier':
      return rawEvent(SUBSTREAM, [sym('tier_chg'), ...pair], vec([i128(fact.oldRate), i128(fact.newRate)]), over);
  }
}

function streamEvent(fact: StreamFactSpec, stream: (typeof PAYMENT_STREAMS)[number], at: number, over: Partial<RawContractEvent>): RawContractEvent {
  const { contractId, onchainId: id, sender, receiver } = stream;
  if (contractId === STREAM_V1) {
    // V1 has no claim or cancel event: they become a top-up and a pause.
    const v1 = (action: string, fields: Record<string, ReturnType<typeof u64>>) =>
      rawEvent(contractId, [sym(action), addr(sender)], map({ stream_id: u64(id), timestamp: u64(at), ...fields }), over);
    switch (fact.name) {
      case 'create':
        return v1('create', { sender: addr(sender), receiver: addr(receiver), token: addr(TOKEN), total_amount: i128(fact.amount), start_time: u64(at + fact.start), end_time: u64(at + fact.start + fact.length) });
      case 'topup':
      case 'claim':
        return v1('topup', { amount: i128(fact.amount) });
      case 'cancel':
      case 'pause':
        return v1('pause', {});
      case 'resume':
        return v1('resume', {});
    }
  }
  const v2 = (action: string, data: ReturnType<typeof u64>[]) =>
    rawEvent(contractId, [u64(id), sym(action)], map({ version: u32(2), timestamp: u64(at), action: sym(action), data: vec([u64(id), ...data]) }), over);
  switch (fact.name) {
    case 'create':
      return v2('create_v2', [addr(sender), addr(receiver), addr(TOKEN), i128(fact.amount), u64(at + fact.start), u64(at + fact.start + 1), u64(at + fact.start + fact.length + 1), u64(at), str('replay')]);
    // V2 has no pause or resume event: they become top-ups of 1.
    case 'topup':
    case 'pause':
    case 'resume':
      return v2('top_up', [addr(sender), i128(fact.name === 'topup' ? fact.amount : 1n), u64(at)]);
    case 'claim':
      return v2('claim', [addr(receiver), i128(fact.amount), i128(fact.amount), u64(at)]);
    case 'cancel':
      return v2('cancel', [addr(sender), i128(fact.toReceiver), i128(fact.toSender), u64(at)]);
  }
}

/**
 * The contract event a fact step emits at `ledger` (real ScVal XDR, decoded by the indexer's own
 * decoders), its own time skewed from the ledger's close time by the step's `skew`.
 *
 * @example const raw = chainEvent(3, step, 1_017);
 */
export function chainEvent(history: number, s: Extract<Step, { kind: 'subscriptionFact' | 'streamFact' }>, ledger: number): RawContractEvent {
  const closed = ledgerTime(ledger);
  const at = closed + s.skew;
  // Close times as RPC serves them (no milliseconds); the decoded facts' own times carry them.
  const over = { ledger, ledgerClosedAt: iso(closed).replace('.000Z', 'Z'), txHash: txHash(history, ledger), operationIndex: 0, eventIndex: 0 };
  return s.kind === 'subscriptionFact'
    ? subscriptionEvent(s.fact, SUBSCRIBERS[s.sub]!, CREATORS[s.creator]!, at, over)
    : streamEvent(s.fact, PAYMENT_STREAMS[s.stream]!, at, over);
}
