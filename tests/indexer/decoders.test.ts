import t from 'tap';
import { Networks, nativeToScVal, xdr } from '@stellar/stellar-sdk';
import { decodeEvent } from '../../indexer/decoders/decode.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { paymentStreamId } from '../../domain/stream/events.ts';
import { account, addr, bytes, contract, i128, map, rawEvent, str, sym, u32, u64, vec } from './events.ts';

const SUB = contract('substream');
const V1 = contract('stellarstream-v1');
const V2 = contract('stellarstream-v2');
const TOKEN = contract('token');
const OTHER = contract('other');
const contracts = parseContracts(`${SUB}=substream-v1,${V1}=stellarstream-v1,${V2}=stellarstream-v2,${TOKEN}=sep41`);
const options = { passphrase: Networks.TESTNET, contracts };
const subscriber = account();
const merchant = account();
const tokenAddress = TOKEN;
const T0 = 1_790_000_000;
const iso = (s: number) => new Date(s * 1000).toISOString();
const receipt = Buffer.alloc(32, 7);

function only(decoded: ReturnType<typeof decodeEvent>) {
  if (decoded.malformed) throw new Error(decoded.malformed.message);
  return decoded.appends[1];
}

const subscriptionRows: [string, ReturnType<typeof rawEvent>, string, Record<string, unknown>][] = [
  [
    'subscription_created',
    rawEvent(SUB, [sym('subscription_created'), addr(subscriber), addr(merchant), u32(3)], map({ token: addr(tokenAddress), rate_per_second: i128(25), created_at: u64(T0) })),
    'SubscriptionActivated',
    { token: tokenAddress, ratePerSecond: '25', planId: 3, activatedAt: iso(T0) },
  ],
  [
    'subscribed (older shape)',
    rawEvent(SUB, [sym('subscribed'), addr(subscriber), addr(merchant)], map({ rate_per_second: i128(10) })),
    'SubscriptionActivated',
    { token: null, ratePerSecond: '10', planId: null, activatedAt: '2026-11-23T12:00:00Z' },
  ],
  [
    'subscription_billed',
    rawEvent(SUB, [sym('subscription_billed'), addr(subscriber), addr(merchant), i128(170141183460469231731687303715884105727n)], map({ billed_at: u64(T0), merchant_reference_id: str('inv-1'), receipt_hash: bytes(receipt) })),
    'SubscriptionBilled',
    { amount: '170141183460469231731687303715884105727', billedAt: iso(T0), merchantReferenceId: 'inv-1', receiptHash: receipt.toString('hex') },
  ],
  [
    'subscription_renewed',
    rawEvent(SUB, [sym('subscription_renewed'), addr(subscriber), addr(merchant), i128(500)], map({ next_billing_date: u64(T0 + 2_592_000), renewed_at: u64(T0) })),
    'SubscriptionRenewed',
    { amount: '500', nextBillingAt: iso(T0 + 2_592_000), renewedAt: iso(T0) },
  ],
  [
    'trial_started',
    rawEvent(SUB, [sym('trial_started'), addr(subscriber), addr(merchant)], map({ trial_duration: u64(604_800), started_at: u64(T0), merchant_reference_id: str('trial-9') })),
    'TrialStarted',
    { trialEndsAt: iso(T0 + 604_800), startedAt: iso(T0), merchantReferenceId: 'trial-9' },
  ],
  [
    'payment_failed_grace_period_started',
    rawEvent(SUB, [str('payment_failed_grace_period_started'), addr(subscriber), addr(merchant)], map({ dunning_start_timestamp: u64(T0), grace_period_end: u64(T0 + 259_200), merchant_reference_id: str('inv-2') })),
    'GracePeriodStarted',
    { dunningStartedAt: iso(T0), graceEndsAt: iso(T0 + 259_200), merchantReferenceId: 'inv-2' },
  ],
  [
    'subscription_cancelled',
    rawEvent(SUB, [sym('subscription_cancelled'), addr(subscriber), addr(merchant)], map({ refund_amount: i128(42), cancelled_at: u64(T0) })),
    'SubscriptionCancelled',
    { refundAmount: '42', cancelledAt: iso(T0) },
  ],
  [
    'unsubscribed (older shape)',
    rawEvent(SUB, [sym('unsubscribed'), addr(subscriber), addr(merchant)], vec([])),
    'SubscriptionCancelled',
    { refundAmount: '0', cancelledAt: '2026-11-23T12:00:00Z' },
  ],
  [
    'tier_chg (legacy publish)',
    rawEvent(SUB, [sym('tier_chg'), addr(subscriber), addr(merchant)], vec([i128(10), i128(20)])),
    'TierChanged',
    { oldRate: '10', newRate: '20', changedAt: '2026-11-23T12:00:00Z' },
  ],
  [
    'tip (legacy publish, no symbol topic)',
    rawEvent(SUB, [addr(subscriber), addr(merchant), addr(tokenAddress)], i128(77)),
    'TipReceived',
    { token: tokenAddress, amount: '77', tippedAt: '2026-11-23T12:00:00Z' },
  ],
];

t.test('substream-v1: every row of CONTRACT_EVENTS.md becomes its domain fact', async (t) => {
  for (const [name, event, type, data] of subscriptionRows) {
    const decoded = decodeEvent(event, options);
    t.equal(decoded.appends.length, 2, `${name}: raw fact + domain fact`);
    const fact = only(decoded)!;
    t.equal(fact.streamId, subscriptionStreamId(subscriber, merchant), `${name}: stream`);
    t.equal(fact.event.type, type, `${name}: type`);
    t.same(fact.event.data, { subscriber, creator: merchant, ...data }, `${name}: data`);
    t.match(fact.event.metadata, { source: 'chain', tenantId: merchant, chain: { ledger: 1000, txHash: event.txHash, operationIndex: 0, eventIndex: 0, contractId: SUB } });
    const raw = decoded.appends[0]!;
    t.equal(raw.streamId, `contract-${SUB}`);
    t.equal(raw.event.type, 'ContractEventObserved');
    t.not(raw.event.id, fact.event.id);
  }
});

t.test('the raw fact carries base64 and decoded JSON (i128/u64 as decimal strings, bytes as hex)', async (t) => {
  const [, event] = subscriptionRows[2]!;
  const raw = decodeEvent(event, options).appends[0]!.event;
  t.match(raw.data, {
    contractId: SUB,
    topics: event.topics,
    value: event.value,
    decoded: {
      topics: ['subscription_billed', subscriber, merchant, '170141183460469231731687303715884105727'],
      value: { billed_at: String(T0), merchant_reference_id: 'inv-1', receipt_hash: receipt.toString('hex') },
    },
    ledger: 1000,
    closedAt: '2026-11-23T12:00:00Z',
    txHash: event.txHash,
    operationIndex: 0,
    eventIndex: 0,
    inSuccessfulContractCall: true,
  });
});

const sender = account();
const receiver = account();

t.test('stellarstream-v1: create, topup, pause, resume', async (t) => {
  const create = rawEvent(V1, [sym('create'), addr(sender)], map({
    stream_id: u64(9), sender: addr(sender), receiver: addr(receiver), token: addr(tokenAddress), total_amount: i128(1_000_000),
    start_time: u64(T0), end_time: u64(T0 + 3600), timestamp: u64(T0 - 5),
  }));
  const fact = only(decodeEvent(create, options))!;
  t.equal(fact.streamId, paymentStreamId(V1, '9'));
  t.same(fact.event.data, {
    contractId: V1, streamId: '9', sender, receiver, token: tokenAddress, totalAmount: '1000000',
    startAt: iso(T0), cliffAt: null, endAt: iso(T0 + 3600), memo: null, createdAt: iso(T0 - 5),
  });
  t.equal(fact.event.metadata.tenantId, receiver);
  const topup = only(decodeEvent(rawEvent(V1, [sym('topup'), addr(sender)], map({ stream_id: u64(9), amount: i128(5), timestamp: u64(T0) })), options))!;
  t.same([topup.event.type, topup.event.data], ['StreamToppedUp', { contractId: V1, streamId: '9', caller: sender, amount: '5', toppedUpAt: iso(T0) }]);
  const pause = only(decodeEvent(rawEvent(V1, [sym('pause'), addr(sender)], map({ stream_id: u64(9), timestamp: u64(T0) })), options))!;
  t.same([pause.event.type, pause.event.data], ['StreamPaused', { contractId: V1, streamId: '9', caller: sender, pausedAt: iso(T0) }]);
  const resume = only(decodeEvent(rawEvent(V1, [sym('resume'), addr(sender)], map({ stream_id: u64(9), timestamp: u64(T0 + 9) })), options))!;
  t.same([resume.event.type, resume.event.data], ['StreamResumed', { contractId: V1, streamId: '9', caller: sender, resumedAt: iso(T0 + 9) }]);
});

const v2 = (action: string, data: ReturnType<typeof u64>[]) =>
  rawEvent(V2, [u64(12), sym(action)], map({ version: u32(2), timestamp: u64(T0), action: sym(action), data: vec(data) }));

t.test('stellarstream-v2: create_v2, claim, cancel, top_up', async (t) => {
  const created = only(decodeEvent(v2('create_v2', [u64(12), addr(sender), addr(receiver), addr(tokenAddress), i128(900), u64(T0), u64(T0 + 60), u64(T0 + 600), u64(T0 - 1), str('salary')]), options))!;
  t.equal(created.streamId, paymentStreamId(V2, '12'));
  t.same(created.event.data, {
    contractId: V2, streamId: '12', sender, receiver, token: tokenAddress, totalAmount: '900',
    startAt: iso(T0), cliffAt: iso(T0 + 60), endAt: iso(T0 + 600), memo: 'salary', createdAt: iso(T0 - 1),
  });
  const claim = only(decodeEvent(v2('claim', [u64(12), addr(receiver), i128(100), i128(300), u64(T0 + 100)]), options))!;
  t.same([claim.event.type, claim.event.data], ['StreamWithdrawn', { contractId: V2, streamId: '12', beneficiary: receiver, amount: '100', withdrawnTotal: '300', withdrawnAt: iso(T0 + 100) }]);
  const cancel = only(decodeEvent(v2('cancel', [u64(12), addr(sender), i128(400), i128(500), u64(T0 + 200)]), options))!;
  t.same([cancel.event.type, cancel.event.data], ['StreamCancelled', { contractId: V2, streamId: '12', caller: sender, toReceiver: '400', toSender: '500', cancelledAt: iso(T0 + 200) }]);
  const topUp = only(decodeEvent(v2('top_up', [u64(12), addr(sender), i128(50), u64(T0 + 300)]), options))!;
  t.same([topUp.event.type, topUp.event.data], ['StreamToppedUp', { contractId: V2, streamId: '12', caller: sender, amount: '50', toppedUpAt: iso(T0 + 300) }]);
});

t.test('sep41: transfer (plain and muxed map), mint, burn, clawback, approve, set_authorized: raw facts only', async (t) => {
  const events = [
    rawEvent(TOKEN, [sym('transfer'), addr(sender), addr(receiver), str('native')], i128(10)),
    rawEvent(TOKEN, [sym('transfer'), addr(sender), addr(receiver)], map({ amount: i128(10), to_muxed_id: u64(5) })),
    rawEvent(TOKEN, [sym('mint'), addr(receiver), str('USDC:GA5Z')], i128(10)),
    rawEvent(TOKEN, [sym('burn'), addr(sender)], i128(3)),
    rawEvent(TOKEN, [sym('clawback'), addr(sender)], i128(3)),
    rawEvent(TOKEN, [sym('approve'), addr(sender), addr(receiver)], vec([i128(3), u32(5000)])),
    rawEvent(TOKEN, [sym('set_authorized'), addr(receiver)], nativeBool(true)),
  ];
  for (const event of events) {
    const decoded = decodeEvent(event, options);
    t.equal(decoded.malformed, undefined, decoded.topic ?? '');
    t.equal(decoded.appends.length, 1);
  }
});

function nativeBool(b: boolean) {
  return boolScVal(b);
}
function boolScVal(b: boolean) {
  return xdr.ScVal.scvBool(b);
}

t.test('`*` watches every contract with raw facts only; unwatched contracts are skipped', async (t) => {
  const event = rawEvent(OTHER, [sym('anything')], i128(1));
  t.equal(decodeEvent(event, options).watched, false);
  const all = decodeEvent(event, { ...options, contracts: parseContracts(`${SUB}=substream-v1,*`) });
  t.equal(all.appends.length, 1);
  t.equal(all.appends[0]!.streamId, `contract-${OTHER}`);
});

t.test('fee events are skipped unless asked for', async (t) => {
  const fee = rawEvent(TOKEN, [sym('fee'), addr(sender)], i128(100), { stage: 'before-all-txs', operationIndex: 0xfff });
  t.equal(decodeEvent(fee, options).appends.length, 0);
  const kept = decodeEvent(fee, { ...options, includeFeeEvents: true });
  t.equal(kept.appends.length, 1);
  t.match(kept.appends[0]!.event.data, { stage: 'before-all-txs' });
});

t.test('malformed XDR and unknown shapes are reported with identity, never thrown', async (t) => {
  const bad = { ...rawEvent(SUB, [sym('subscribed')], i128(1)), value: 'not-xdr!!' };
  const decoded = decodeEvent(bad, options);
  t.equal(decoded.appends.length, 0);
  t.match(decoded.malformed, { reason: 'xdr', kind: 'substream-v1', contractId: SUB, key: `${Networks.TESTNET}:${bad.txHash}:0:0` });
  const wrong = decodeEvent(rawEvent(SUB, [sym('subscription_billed'), addr(subscriber), addr(merchant), str('not an amount')], map({})), options);
  t.match(wrong.malformed, { reason: 'shape' });
  t.equal(wrong.appends.length, 1, 'the raw fact is still recorded');
  const unknown = decodeEvent(rawEvent(SUB, [sym('admin_changed')], i128(1)), options);
  t.match(unknown.malformed, { reason: 'unknown' });
  const v2Bad = decodeEvent(rawEvent(V2, [u64(1), sym('claim')], map({ data: vec([u64(2)]) })), options);
  t.match(v2Bad.malformed, { reason: 'shape' });
  const tokenBad = decodeEvent(rawEvent(TOKEN, [sym('transfer'), addr(sender), addr(receiver)], str('x')), options);
  t.match(tokenBad.malformed, { reason: 'shape', kind: 'sep41' });
});

t.test('INDEXER_CONTRACTS parsing', async (t) => {
  const parsed = parseContracts(`${SUB}=substream-v1, ${TOKEN} ,*`);
  t.equal(parsed.kinds.get(SUB), 'substream-v1');
  t.equal(parsed.kinds.get(TOKEN), 'raw');
  t.equal(parsed.everything, true);
  t.throws(() => parseContracts('GABC=sep41'), /not a contract id/);
  t.throws(() => parseContracts(`${SUB}=erc20`), /unknown contract kind/);
});

// Money read from the chain is never negative and never beyond i128: a contract that emits a
// negative amount (or a 256-bit one) is reported malformed, so it cannot flow into MRR or revenue.
t.test('every amount field refuses negative and beyond-i128 values', async (t) => {
  const { amount } = await import('../../indexer/decoders/scval.ts');
  const I128_MAX = (1n << 127n) - 1n;
  const scvals: [string, xdr.ScVal][] = [
    ['i128 -1', i128(-1n)],
    ['i128 min', i128(-(1n << 127n))],
    ['i64 -5', xdr.ScVal.scvI64(xdr.Int64.fromString('-5'))],
    ['u256 2^200', nativeToScVal(1n << 200n, { type: 'u256' })],
    ['i256 i128 max + 1', nativeToScVal(I128_MAX + 1n, { type: 'i256' })],
  ];
  for (const [name, value] of scvals) t.throws(() => amount(value, 'amount'), { name: 'ShapeError' }, name);
  t.equal(amount(i128(I128_MAX), 'amount'), I128_MAX.toString(), 'i128 max is an amount');
  t.equal(amount(i128(0n), 'amount'), '0', 'zero is an amount');
  const billed = decodeEvent(rawEvent(SUB, [sym('subscription_billed'), addr(subscriber), addr(merchant), i128(-100n)], map({ billed_at: u64(T0), merchant_reference_id: str('x'), receipt_hash: bytes(receipt) })), options);
  t.match(billed.malformed, { reason: 'shape' }, 'a negative bill is malformed');
  t.notOk(billed.appends.some((a) => a.event.type === 'SubscriptionBilled'), 'and no SubscriptionBilled is recorded');
});
