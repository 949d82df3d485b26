/**
 * Payment-stream money math, bigint only: amounts in stroops, times in unix seconds.
 * A stream releases `deposited` linearly from `start` to `end`; nothing is released before the
 * cliff (when there is one), everything is released at `end`. A top-up raises `deposited` and
 * keeps the schedule, so it only ever adds to what has streamed.
 */
export interface Schedule {
  start: bigint;
  cliff: bigint | null;
  end: bigint;
  /** Total deposited so far: the initial amount plus every top-up. */
  deposited: bigint;
}

/** Unix seconds of an ISO-8601 timestamp (floored). Times only: never an amount. */
export function unixSeconds(iso: string): bigint {
  return BigInt(Math.floor(Date.parse(iso) / 1000));
}

/**
 * What has streamed to the receiver by `t`: 0 before the start or the cliff, linear (floored)
 * between start and end, everything from the end on.
 *
 * @example streamed({ start: 0n, cliff: null, end: 100n, deposited: 1000n }, 25n) // 250n
 */
export function streamed(s: Schedule, t: bigint): bigint {
  if (t < s.start || (s.cliff !== null && t < s.cliff)) return 0n;
  if (t >= s.end) return s.deposited;
  return (s.deposited * (t - s.start)) / (s.end - s.start);
}

/** What the receiver may withdraw at `t`: streamed − already withdrawn (never negative). */
export function withdrawable(s: Schedule, withdrawn: bigint, t: bigint): bigint {
  const available = streamed(s, t) - withdrawn;
  return available > 0n ? available : 0n;
}

/**
 * The split of a cancellation at `t`: the receiver gets what streamed and was not withdrawn,
 * the sender gets back what had not streamed.
 *
 * @example refundOnCancel({ start: 0n, cliff: null, end: 100n, deposited: 1000n }, 100n, 25n) // { toReceiver: 150n, toSender: 750n }
 */
export function refundOnCancel(s: Schedule, withdrawn: bigint, t: bigint): { toReceiver: bigint; toSender: bigint } {
  const done = streamed(s, t);
  return { toReceiver: withdrawable(s, withdrawn, t), toSender: s.deposited - done };
}

/**
 * The first second at which at least `amount` has streamed (`null` when it never will: more than
 * deposited). `firstSecondStreaming(s, s.deposited)` is the depletion time.
 */
export function firstSecondStreaming(s: Schedule, amount: bigint): bigint | null {
  if (amount > s.deposited) return null;
  const opens = s.cliff !== null && s.cliff > s.start ? s.cliff : s.start;
  if (amount <= 0n) return s.start;
  if (s.end <= s.start) return opens;
  const duration = s.end - s.start;
  // smallest d with deposited·d / duration ≥ amount: d = ceil(amount·duration / deposited)
  const d = (amount * duration + s.deposited - 1n) / s.deposited;
  const at = s.start + d;
  const capped = at > s.end ? s.end : at;
  return capped > opens ? capped : opens;
}

/** When everything deposited has streamed (the end for a non-empty stream). */
export function depletionAt(s: Schedule): bigint {
  return firstSecondStreaming(s, s.deposited) ?? s.end;
}
