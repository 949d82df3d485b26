import { createHash } from 'node:crypto';
import { Asset, Keypair, StrKey } from '@stellar/stellar-sdk';
import type { TierName } from '../../domain/creator/events.ts';
import type { DemoFact } from './chain-events.ts';

/** How big a sample to build. */
export interface DemoSize {
  creators: number;
  subscribers: number;
  /** View reports recorded per content item. */
  viewsPerContent: number;
}

export const DEFAULT_SIZE: DemoSize = { creators: 3, subscribers: 300, viewsPerContent: 40 };

export const DAY_MS = 86_400_000;
/** The sample covers this many days before the run. */
export const HISTORY_DAYS = 90;
/** A tier's price is per 30 days. */
export const PERIOD_SECONDS = 30 * 86_400;

const NAMES = ['Ada Lovelace Lab', 'Grace Hopper Radio', 'Katherine Johnson Maps', 'Hedy Lamarr Signals', 'Mary Jackson Wind'];
const TOPICS = ['Welcome and what to expect', 'Deep dive, part 1', 'Deep dive, part 2', 'Members-only Q&A'];
const TIERS: { name: TierName; xlm: bigint; weight: number }[] = [
  { name: 'bronze', xlm: 5n, weight: 6 },
  { name: 'silver', xlm: 12n, weight: 3 },
  { name: 'gold', xlm: 30n, weight: 1 },
];
const STROOPS_PER_XLM = 10_000_000n;

/** A demo key pair, the same for the same label on every run (demo data only: the secret is public). */
export function demoKeypair(label: string): Keypair {
  return Keypair.fromRawEd25519Seed(createHash('sha256').update(`substream-demo:${label}`).digest());
}

/** The contract the demo's chain facts come from when SUBSTREAM_CONTRACT_ID is unset. */
export const DEMO_CONTRACT_ID = StrKey.encodeContract(createHash('sha256').update('substream-demo:contract').digest());

/** The demo's creators' addresses, whatever the size: what marks a database as holding the demo. */
export function demoCreators(count: number): string[] {
  return Array.from({ length: count }, (_, i) => demoKeypair(`creator:${i}`).publicKey());
}

/**
 * A small deterministic pseudo-random generator (mulberry32): the same seed, the same sample.
 *
 * @example const random = seeded(22); random(); // 0 ≤ x < 1
 */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PlannedTier {
  name: TierName;
  amount: bigint;
  /** The contract's plan id for the tier (1, 2, 3). */
  planId: number;
}

export interface PlannedCreator {
  address: string;
  displayName: string;
  tiers: PlannedTier[];
  content: { title: string; minTier: TierName; url: string }[];
}

/** One subscriber's story: the intent (a command at `requestedAt`), then its chain facts in time order. */
export interface PlannedSubscriber {
  address: string;
  creator: string;
  tier: PlannedTier;
  requestedAt: Date;
  facts: { at: Date; fact: DemoFact }[];
}

export interface DemoPlan {
  token: string;
  creators: PlannedCreator[];
  subscribers: PlannedSubscriber[];
}

function pick<T extends { weight: number }>(items: readonly T[], random: () => number): T {
  let r = random() * items.reduce((sum, i) => sum + i.weight, 0);
  for (const item of items) if ((r -= item.weight) < 0) return item;
  return items.at(-1)!;
}

function subscriberStory(index: number, creator: PlannedCreator, token: string, now: Date, random: () => number): PlannedSubscriber {
  const address = demoKeypair(`subscriber:${index}`).publicKey();
  const { name } = pick(TIERS, random);
  const tier = creator.tiers.find((t) => t.name === name)!;
  // More joined lately than long ago: a growing creator.
  const requestedAt = new Date(now.getTime() - Math.floor(Math.sqrt(random()) * HISTORY_DAYS * DAY_MS) - 60_000);
  const parties = { subscriber: address, creator: creator.address };
  const activatedAt = new Date(requestedAt.getTime() + 30_000 + Math.floor(random() * 120_000));
  const created = { name: 'subscription_created' as const, ...parties, planId: tier.planId, token, ratePerSecond: tier.amount / BigInt(PERIOD_SECONDS), createdAt: activatedAt };
  const facts: PlannedSubscriber['facts'] = [{ at: activatedAt, fact: created }];
  const cancelAt = random() < 0.15 ? new Date(activatedAt.getTime() + Math.floor(random() * (now.getTime() - activatedAt.getTime()))) : null;
  const end = cancelAt ?? now;
  for (let at = activatedAt, n = 1; at < end; at = new Date(at.getTime() + PERIOD_SECONDS * 1000), n++) {
    facts.push({ at: new Date(at.getTime() + 1_000), fact: { name: 'subscription_billed', ...parties, amount: tier.amount, billedAt: at, reference: `demo-${index}-${n}` } });
  }
  if (cancelAt) facts.push({ at: cancelAt, fact: { name: 'unsubscribed', ...parties } });
  return { address, creator: creator.address, tier, requestedAt, facts };
}

/**
 * The whole sample, from a seed and the time of the run: creators with bronze/silver/gold tiers
 * (per 30 days, in the network's native asset contract) and gated content, and subscribers who
 * joined over the last 90 days, each activated on chain, billed every 30 days, some cancelled.
 *
 * @example const plan = demoPlan({ seed: 22, now: new Date(), size: DEFAULT_SIZE, passphrase: Networks.TESTNET });
 */
export function demoPlan(options: { seed: number; now: Date; size: DemoSize; passphrase: string }): DemoPlan {
  const random = seeded(options.seed);
  const token = Asset.native().contractId(options.passphrase);
  const creators = demoCreators(options.size.creators).map((address, i): PlannedCreator => ({
    address,
    displayName: NAMES[i % NAMES.length]!,
    tiers: TIERS.map(({ name, xlm }, j) => ({ name, amount: xlm * STROOPS_PER_XLM * BigInt(1 + i), planId: j + 1 })),
    content: TOPICS.map((title, j) => ({ title, minTier: TIERS[Math.min(j, TIERS.length - 1)]!.name, url: `https://media.example.com/demo/${i}/${j}` })),
  }));
  const weighted = creators.map((creator, i) => ({ creator, weight: creators.length - i }));
  const subscribers = Array.from({ length: options.size.subscribers }, (_, i) => subscriberStory(i, pick(weighted, random).creator, token, options.now, random));
  return { token, creators, subscribers };
}
