import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Networks, scValToNative, xdr } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import t from 'tap';
import { DEFAULT_SIZE, demoCreators, demoPlan } from '../../bin/demo/plan.ts';
import { registerCreator } from '../../commands/register-creator.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import { account, context } from '../commands/fixtures.ts';
import { substream } from '../indexer/cli.ts';
import { testDatabase } from '../support/database.ts';

const SUBSCRIBERS = 60;
/** Contract events in the shipped fixtures the demo replays (see tests/indexer/replay-cli.test.ts). */
const FIXTURE_EVENTS = 163 + 3;

interface Summary {
  seeded: { creators: number; content: number; subscriptions: number; contractEvents: number; views: number } | null;
  facts: number;
  counts: { creators: number; content: number; subscriptions: Record<string, number>; bills: number; heatmapRows: number; events: { command: number; chain: number } };
}

async function demo(url: string, dataDir: string, ...args: string[]) {
  const result = await substream(['demo', '--short', '--json', '--subscribers', String(SUBSCRIBERS), ...args], { DATABASE_URL: url, DATA_DIR: dataDir });
  return { ...result, summary: result.code === 0 ? (JSON.parse(result.stdout) as Summary) : null };
}

t.test('demo --short builds the sample through the real paths; the read models hold what the plan says', async (t) => {
  const { db, url } = await testDatabase(t);
  const dataDir = t.testdir();
  const first = await demo(url, dataDir);
  t.equal(first.code, 0, first.stderr);
  const { seeded, counts } = first.summary!;

  // The expectation comes from the plan itself (same seed, same sample), not from the run.
  const plan = demoPlan({ seed: 22, now: new Date(), size: { ...DEFAULT_SIZE, subscribers: SUBSCRIBERS }, passphrase: Networks.TESTNET });
  const facts = plan.subscribers.flatMap((s) => s.facts.map((f) => f.fact.name));
  const cancelled = facts.filter((name) => name === 'unsubscribed').length;
  const content = plan.creators.reduce((n, c) => n + c.content.length, 0);
  t.same(seeded, { creators: 3, content, subscriptions: SUBSCRIBERS, contractEvents: facts.length, views: content * DEFAULT_SIZE.viewsPerContent });
  t.equal(counts.creators, 3);
  t.equal(counts.content, content);
  t.same(counts.subscriptions, { active: SUBSCRIBERS - cancelled, cancelled }, 'every intent was activated on chain; the cancelled ones are cancelled');
  t.ok(cancelled > 0, 'the sample has cancellations');
  t.equal(counts.bills, facts.filter((name) => name === 'subscription_billed').length, 'every bill reached the subscriptions read model');
  t.ok(counts.heatmapRows > 0, 'view reports reached the heatmap');
  // Commands: register + tiers per creator, content, one intent per subscriber, and one
  // ViewEventsRecorded per content item (each creator's reports fit one batch).
  t.equal(counts.events.command, 3 * 2 + content + SUBSCRIBERS + content);
  // Chain: every fixture event as a raw fact; every demo contract event as its raw fact and its domain fact.
  t.equal(counts.events.chain, FIXTURE_EVENTS + 2 * facts.length);

  const { rows } = await sql<{ n: string }>`select count(*) as n from subscriptions where rate_per_second is null or tier is null or token is null`.execute(db);
  t.equal(rows[0]!.n, '0', 'intent (tier) and fact (rate, token) met in every subscription');

  // Fact by fact: the contract events the demo generated (its getEvents archive, decoded here with
  // the SDK) folded per subscription, against the subscriptions read model row by row.
  const archive = readFileSync(join(dataDir, 'demo', 'demo-chain.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { topic: string[]; value: string });
  const expected = new Map<string, { status: string; bills: number; total: bigint; rate: string; token: string }>();
  for (const item of archive) {
    const [name, subscriber, creator, third] = item.topic.map((topic) => scValToNative(xdr.ScVal.fromXDR(topic, 'base64')) as unknown);
    const key = `${String(subscriber)} ${String(creator)}`;
    const value = scValToNative(xdr.ScVal.fromXDR(item.value, 'base64')) as { rate_per_second?: bigint; token?: string };
    if (name === 'subscription_created') expected.set(key, { status: 'active', bills: 0, total: 0n, rate: String(value.rate_per_second), token: String(value.token) });
    const row = expected.get(key)!;
    if (name === 'subscription_billed') Object.assign(row, { bills: row.bills + 1, total: row.total + (third as bigint) });
    if (name === 'unsubscribed') row.status = 'cancelled';
  }
  const projected = await sql<{ subscriber: string; creator: string; status: string; bills_count: number; total_billed: string; rate_per_second: string; token: string }>`
    select subscriber, creator, status, bills_count, total_billed::text, rate_per_second::text, token from subscriptions`.execute(db);
  t.equal(expected.size, SUBSCRIBERS, 'the archive activates every subscriber');
  t.same(
    Object.fromEntries(projected.rows.map((r) => [`${r.subscriber} ${r.creator}`, { status: r.status, bills: r.bills_count, total: BigInt(r.total_billed), rate: r.rate_per_second, token: r.token }])),
    Object.fromEntries(expected),
    'every subscription row (status, bills, total billed, rate, token) is the fold of its generated facts',
  );

  t.test('run again: the sample is kept, not doubled; live facts go through the indexer into the read models', async (t) => {
    const again = await demo(url, dataDir, '--facts', '3');
    t.equal(again.code, 0, again.stderr);
    const after = again.summary!;
    t.equal(after.seeded, null, 'not seeded twice');
    t.equal(after.facts, 3);
    t.equal(after.counts.creators, 3);
    t.equal(after.counts.events.chain, counts.events.chain + 2 * 3, 'three facts, each a raw and a domain event');
    const joined = after.counts.events.command - counts.events.command;
    const total = (c: Summary['counts']) => Object.values(c.subscriptions).reduce((a, b) => a + b, 0);
    t.equal(total(after.counts), total(counts) + joined, 'a live newcomer is an intent (command) and a subscription');
    const moved = (after.counts.bills - counts.bills) + ((after.counts.subscriptions.cancelled ?? 0) - cancelled) + joined;
    t.equal(moved, 3, 'each live fact is a bill, a cancellation or a newcomer, and shows in the read models');
    const { rows } = await sql<{ job: string }>`select job from indexer_checkpoints where job = 'demo:live'`.execute(db);
    t.equal(rows.length, 1, 'the live facts have their own indexer job');
  });
});

t.test('demo refuses a database holding data that is not the demo\'s, unless --force', async (t) => {
  const { db, url } = await testDatabase(t);
  const store = createPostgresEventStore(db);
  const someone = account();
  await registerCreator({ store }, { displayName: 'Not a demo' }, context(someone));
  const before = await sql<{ n: string }>`select count(*) as n from events`.execute(db);

  const refused = await demo(url, t.testdir());
  t.equal(refused.code, 1);
  t.match(refused.stderr, /refusing: DATABASE_URL holds data that is not the demo's \(use --force/);
  const after = await sql<{ n: string }>`select count(*) as n from events`.execute(db);
  t.equal(after.rows[0]!.n, before.rows[0]!.n, 'nothing was written');

  const forced = await demo(url, t.testdir(), '--force');
  t.equal(forced.code, 0, forced.stderr);
  t.equal(forced.summary!.counts.creators, 4, 'the demo\'s three beside the one that was there');
});

t.test('demo refuses a sample a previous run left half-built, rather than serving it as whole', async (t) => {
  const { db, url } = await testDatabase(t);
  await registerCreator({ store: createPostgresEventStore(db) }, { displayName: 'demo' }, context(demoCreators(3)[0]!));
  const refused = await demo(url, t.testdir());
  t.equal(refused.code, 1);
  t.match(refused.stderr, /refusing: a previous demo run stopped while building its sample/);
});

t.test('demo rejects bad arguments with its usage', async (t) => {
  const { url } = await testDatabase(t);
  for (const args of [['--subscribers', 'lots'], ['--facts', '-1'], ['--seed', '1.5'], ['--nope']]) {
    const result = await substream(['demo', ...args], { DATABASE_URL: url });
    t.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    t.match(result.stderr, /Usage|substream demo/);
  }
});
