import { randomUUID } from 'node:crypto';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import type { NewEvent } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import { address, appendsFor, at, creatorEvent, subEvent } from './subscription-events.ts';

/** A small deterministic PRNG (mulberry32) so a backlog is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Backlog {
  events: number;
  subscriptionEvents: number;
  creatorEvents: number;
  /** Sum of every SubscriptionBilled amount (what the read model's totals count), as a decimal string. */
  billed: string;
}

/**
 * Appends `count` events (in appends of 10,000, each over 300 random (creator, wallet) pairs) from
 * `creators` creators and `wallets` wallets: every subscription event type, intents and facts mixed and out of order.
 *
 * @example const backlog = await appendBacklog(db, { count: 50_000 });
 */
export async function appendBacklog(
  db: Db,
  options: { count: number; creators?: number; wallets?: number; seed?: number; concurrency?: number },
): Promise<Backlog> {
  const next = random(options.seed ?? 42);
  const pick = (n: number) => Math.floor(next() * n);
  const creators = Array.from({ length: options.creators ?? 50 }, (_, i) => address(`creator-${i}`));
  const wallets = Array.from({ length: options.wallets ?? 5_000 }, (_, i) => address(`wallet-${i}`));
  const token = address('usdc', 'C');
  const backlog: Backlog = { events: 0, subscriptionEvents: 0, creatorEvents: 0, billed: '0' };
  let billed = 0n;
  let batch: NewEvent[] = [];
  let pending: Promise<unknown>[] = [];
  const flush = async () => {
    if (batch.length > 0) pending.push(appendToStreams(db, appendsFor(batch)));
    batch = [];
    if (pending.length >= (options.concurrency ?? 1)) {
      await Promise.all(pending);
      pending = [];
    }
  };
  // Each append touches a few hundred streams (as a live system does), which keeps appends fast.
  let pairs: [string, string][] = [];
  for (let i = 0; i < options.count; i++) {
    if (i % 10_000 === 0) pairs = Array.from({ length: 300 }, () => [creators[pick(creators.length)]!, wallets[pick(wallets.length)]!]);
    const [creator, wallet] = pairs[pick(pairs.length)]!;
    const s = pick(1_000_000);
    const kind = pick(14);
    let event: NewEvent;
    if (kind === 0) {
      event = pick(2) === 0
        ? creatorEvent('CreatorRegistered', creator, { displayName: `Creator ${creator.slice(0, 6)}`, registeredAt: at(s) })
        : creatorEvent('TiersSet', creator, { tiers: [{ name: 'gold', token, price: { kind: 'rate', ratePerSecond: String(pick(100)) } }], setAt: at(s) });
      backlog.creatorEvents += 1;
    } else {
      const amount = BigInt(pick(1_000_000_000)) * 1_000_000_000n;
      const data: [string, Record<string, unknown>][] = [
        ['SubscriptionRequested', { tier: 'gold', token, ratePerSecond: String(pick(50)), requestedAt: at(s), expiresAt: at(s + 86_400) }],
        ['CancellationRequested', { requestedAt: at(s) }],
        ['SubscriptionExpired', { expiredAt: at(s) }],
        ['SubscriptionActivated', { token: pick(2) ? token : null, ratePerSecond: String(pick(50)), planId: pick(3), activatedAt: at(s) }],
        ['SubscriptionBilled', { amount: amount.toString(), billedAt: at(s), merchantReferenceId: randomUUID(), receiptHash: null }],
        ['SubscriptionBilled', { amount: amount.toString(), billedAt: at(s), merchantReferenceId: null, receiptHash: null }],
        ['SubscriptionBilled', { amount: amount.toString(), billedAt: at(s), merchantReferenceId: null, receiptHash: null }],
        ['SubscriptionRenewed', { amount: amount.toString(), nextBillingAt: at(s + 2_592_000), renewedAt: at(s) }],
        ['TrialStarted', { trialEndsAt: at(s + 604_800), startedAt: at(s), merchantReferenceId: null }],
        ['GracePeriodStarted', { dunningStartedAt: at(s), graceEndsAt: at(s + 259_200), merchantReferenceId: null }],
        ['SubscriptionCancelled', { refundAmount: String(pick(1000)), cancelledAt: at(s) }],
        ['TierChanged', { oldRate: '1', newRate: String(pick(50)), changedAt: at(s) }],
        ['TipReceived', { token, amount: String(pick(10_000)), tippedAt: at(s) }],
      ];
      const [type, payload] = data[kind - 1]!;
      if (type === 'SubscriptionBilled') billed += amount;
      event = subEvent(type, wallet, creator, payload, 1_000 + i);
      backlog.subscriptionEvents += 1;
    }
    batch.push(event);
    backlog.events += 1;
    if (batch.length === 10_000) await flush();
  }
  await flush();
  await Promise.all(pending);
  backlog.billed = billed.toString();
  return backlog;
}
