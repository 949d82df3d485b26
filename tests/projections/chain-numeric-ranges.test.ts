import t from 'tap';
import { Networks } from '@stellar/stellar-sdk';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { decodeEvent } from '../../indexer/decoders/decode.ts';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { projectionStatus } from '../../projections/status.ts';
import { catchUp } from '../../projections/runner.ts';
import { allProjectors } from '../../projections/registry.ts';
import { account, addr, bytes, contract, i128, map, rawEvent, str, sym, u32, u64, vec } from '../indexer/events.ts';
import { testApp } from '../support/app.ts';

/**
 * Every numeric field a decoder emits, at the maximum and the minimum its on-chain type allows
 * (u32 plan ids and ledger numbers, u64 stream ids and timepoints, i128 amounts and rates), goes
 * decode → event store → every projector → API without a projector failing or the API answering
 * 500. Times are bounded by the documented range (unix seconds 0 … 253402300799, 9999-12-31T23:59:59Z).
 */
const SUB = contract('substream');
const V2 = contract('stellarstream-v2');
const TOKEN = contract('token');
const options = { passphrase: Networks.TESTNET, contracts: parseContracts(`${SUB}=substream-v1,${V2}=stellarstream-v2`) };

const U32_MAX = 4_294_967_295;
const U64_MAX = 2n ** 64n - 1n;
const I128_MAX = 2n ** 127n - 1n;
const TIME_MAX = 253_402_300_799n;
const TIME_MIN = 0n;

interface Extreme {
  label: string;
  plan: number;
  ledger: number;
  amount: bigint;
  time: bigint;
  streamId: bigint;
}

const extremes: Extreme[] = [
  { label: 'max', plan: U32_MAX, ledger: U32_MAX, amount: I128_MAX, time: TIME_MAX, streamId: U64_MAX },
  // An amount's range is 0 … i128 max: a negative one is malformed (tests/indexer/decoders.test.ts).
  { label: 'min', plan: 0, ledger: 0, amount: 0n, time: TIME_MIN, streamId: 0n },
];

const iso = (s: bigint) => new Date(Number(s) * 1000).toISOString();

function chainEvents(x: Extreme, subscriber: string, merchant: string, receiver: string) {
  const at = { ledger: x.ledger, ledgerClosedAt: iso(x.time) };
  const stream = (action: string, data: ReturnType<typeof u64>[]) =>
    rawEvent(V2, [u64(x.streamId), sym(action)], map({ action: sym(action), data: vec([u64(x.streamId), ...data]), timestamp: u64(x.time), version: u32(2) }), at);
  return [
    rawEvent(SUB, [sym('subscription_created'), addr(subscriber), addr(merchant), u32(x.plan)], map({ token: addr(TOKEN), rate_per_second: i128(x.amount), created_at: u64(x.time) }), at),
    rawEvent(SUB, [sym('subscription_billed'), addr(subscriber), addr(merchant), i128(x.amount)], map({ billed_at: u64(x.time), merchant_reference_id: str('r'), receipt_hash: bytes(Buffer.alloc(32, 1)) }), at),
    rawEvent(SUB, [sym('subscription_renewed'), addr(subscriber), addr(merchant), i128(x.amount)], map({ next_billing_date: u64(x.time), renewed_at: u64(x.time) }), at),
    rawEvent(SUB, [sym('trial_started'), addr(subscriber), addr(merchant)], map({ trial_duration: u64(0), started_at: u64(x.time), merchant_reference_id: str('t') }), at),
    rawEvent(SUB, [str('payment_failed_grace_period_started'), addr(subscriber), addr(merchant)], map({ dunning_start_timestamp: u64(x.time), grace_period_end: u64(x.time), merchant_reference_id: str('g') }), at),
    rawEvent(SUB, [sym('tier_chg'), addr(subscriber), addr(merchant)], vec([i128(x.amount), i128(x.amount)]), at),
    rawEvent(SUB, [addr(subscriber), addr(merchant), addr(TOKEN)], i128(x.amount), at),
    rawEvent(SUB, [sym('subscription_cancelled'), addr(subscriber), addr(merchant)], map({ refund_amount: i128(x.amount), cancelled_at: u64(x.time) }), at),
    stream('create_v2', [addr(subscriber), addr(receiver), addr(TOKEN), i128(x.amount), u64(TIME_MIN), u64(x.time), u64(TIME_MAX), u64(x.time), str('m')]),
    stream('top_up', [addr(subscriber), i128(x.amount), u64(x.time)]),
    stream('claim', [addr(receiver), i128(x.amount), i128(x.amount), u64(x.time)]),
  ];
}

t.test('the max and min of every decoded numeric field go through every projector and the API', async (t) => {
  const { app, database, token } = await testApp(t);
  const { db } = database;
  const parties = extremes.map((x) => ({ x, subscriber: account(), merchant: account(), receiver: account() }));
  for (const { x, subscriber, merchant, receiver } of parties) {
    for (const raw of chainEvents(x, subscriber, merchant, receiver)) {
      const decoded = decodeEvent(raw, options);
      t.notOk(decoded.malformed, `${x.label}: ${decoded.malformed?.message ?? 'decodes'}`);
      for (const { streamId, event } of decoded.appends) await appendToStreams(db, [{ streamId, events: [event] }]);
    }
  }
  for (const projector of allProjectors) {
    const result = await catchUp(db, projector, { batchSize: 7 }).then(() => 'ok', (error: Error) => error.message);
    t.equal(result, 'ok', `${projector.name} absorbs every extreme`);
  }
  t.same((await projectionStatus(db)).filter((s) => s.state !== 'live').map((s) => [s.name, s.lastError]), [], 'every projector is live');

  for (const { x, subscriber, merchant, receiver } of parties) {
    const as = async (who: string) => ({ authorization: `Bearer ${await token(who, who)}` });
    const sub = await app.inject({ method: 'GET', url: `/v1/subscriptions/${subscriber}-${merchant}`, headers: await as(merchant) });
    t.equal(sub.statusCode, 200, `${x.label}: subscription ${sub.body.slice(0, 200)}`);
    t.match(sub.json(), { confirmedLedger: x.ledger, totalBilled: x.amount.toString(), ratePerSecond: x.amount.toString(), tipsTotal: x.amount.toString() });
    const streamId = `${V2}-${x.streamId}`;
    for (const query of ['', `?at=${TIME_MIN}`, `?at=${TIME_MAX}`]) {
      const stream = await app.inject({ method: 'GET', url: `/v1/streams/${streamId}${query}`, headers: await as(receiver) });
      t.equal(stream.statusCode, 200, `${x.label}: stream${query} ${stream.body.slice(0, 200)}`);
      t.match(stream.json(), { onchainId: x.streamId.toString(), createdLedger: x.ledger, startAt: iso(TIME_MIN), cliffAt: iso(x.time), endAt: iso(TIME_MAX) });
    }
    const day = x.time === TIME_MAX ? TIME_MAX - 86_400n : x.time;
    const series = (metric: string) => `/v1/analytics/creators/me/series?metric=${metric}&from=${iso(day).slice(0, 10)}&to=${iso(day + 86_400n).slice(0, 10)}`;
    for (const url of ['/v1/analytics/creators/me', ...['mrr', 'active', 'churn', 'revenue', 'withdrawals'].map(series)]) {
      const analytics = await app.inject({ method: 'GET', url, headers: await as(merchant) });
      t.not(analytics.statusCode, 500, `${x.label}: ${url} ${analytics.body.slice(0, 200)}`);
    }
  }
});
