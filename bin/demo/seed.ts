import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandContext } from '../../commands/context.ts';
import { publishContent } from '../../commands/publish-content.ts';
import { parseViewBatch, recordViewEvents } from '../../commands/record-view-events.ts';
import { registerCreator } from '../../commands/register-creator.ts';
import { requestSubscription } from '../../commands/request-subscription.ts';
import { setTiers } from '../../commands/set-tiers.ts';
import type { EventStore } from '../../eventstore/types.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer, type RunStats } from '../../indexer/runner.ts';
import { openSource } from '../../indexer/sources/open.ts';
import type { Db } from '../../platform/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { closedAt, getEventsItem, ledgerAt } from './chain-events.ts';
import { SAMPLE_JOB } from './guard.ts';
import { DAY_MS, PERIOD_SECONDS, seeded, type DemoPlan, type PlannedSubscriber } from './plan.ts';

export interface SeedDeps {
  db: Db;
  store: EventStore;
  /** The substream-v1 contract the sample's facts come from (and subscription intents name). */
  contractId: string;
  passphrase: string;
  pendingTtlSeconds: number;
  /** Where the generated getEvents archive is written. */
  workDir: string;
  logger: Logger;
}

export interface SeedReport {
  creators: number;
  content: number;
  subscriptions: number;
  /** substream-v1 contract events in the generated archive (each indexed as its raw fact and its domain fact). */
  contractEvents: number;
  views: number;
}

const context = (actor: string, at: Date): CommandContext & { tenantId: string } => ({ actor, tenantId: actor, now: at.toISOString(), correlationId: randomUUID() });

/**
 * Replays a getEvents or getTransactions archive file through the indexer (the `replay --source
 * archive` path) under the job `<job>:<from>-<to>`, watching `contracts`.
 *
 * @example await replayArchive(db, { file, job: 'demo:fixture', contracts: '*', passphrase: Networks.PUBLIC, logger });
 */
export async function replayArchive(
  db: Db,
  options: { file: string; job: string; contracts: string; passphrase: string; logger: Logger },
): Promise<RunStats> {
  const contracts = parseContracts(options.contracts);
  const opened = await openSource('archive', { file: options.file, contractIds: contracts.everything ? ['*'] : [...contracts.kinds.keys()], passphrase: options.passphrase });
  const { from, to } = await opened.fileRange!();
  return runIndexer(db, { job: `${options.job}:${from}-${to}`, source: opened.source, from, to, decode: { passphrase: options.passphrase, contracts }, logger: options.logger });
}

async function inChunks<T>(items: readonly T[], size: number, run: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

/** Every planned fact as getEvents items in ledger order, transactions numbered within their ledger. */
export function archiveItems(contractId: string, subscribers: readonly PlannedSubscriber[]) {
  const facts = subscribers.flatMap((s) => s.facts).sort((a, b) => a.at.getTime() - b.at.getTime());
  let ledger = -1;
  let txOrder = 0;
  return facts.map(({ at, fact }) => {
    const next = ledgerAt(at);
    txOrder = next === ledger ? txOrder + 1 : 1;
    ledger = next;
    return getEventsItem(contractId, fact, { ledger, closedAt: closedAt(ledger), txOrder });
  });
}

/**
 * Builds the sample through the real paths: creators register, set tiers and publish through the
 * commands; each subscriber's intent is a RequestSubscription command; viewers' reports go
 * through RecordViewEvents; last, the subscribers' chain facts are encoded as substream-v1
 * contract events, written as a getEvents archive and indexed by the indexer.
 *
 * @example const report = await seedSample(deps, demoPlan({ seed, now, size, passphrase }), { now, viewsPerContent: 40, seed });
 */
export async function seedSample(deps: SeedDeps, plan: DemoPlan, options: { now: Date; viewsPerContent: number; seed: number }): Promise<SeedReport> {
  const { store } = deps;
  const start = new Date(options.now.getTime() - 91 * DAY_MS);
  const contentIds = new Map<string, string[]>();
  for (const creator of plan.creators) {
    await registerCreator({ store }, { displayName: creator.displayName }, context(creator.address, start));
    const tiers = creator.tiers.map((t) => ({ name: t.name, token: plan.token, price: { kind: 'period' as const, amount: t.amount.toString(), periodSeconds: PERIOD_SECONDS } }));
    await setTiers({ store }, { tiers }, context(creator.address, start));
    const ids: string[] = [];
    for (const item of creator.content) ids.push((await publishContent({ store }, item, context(creator.address, start))).contentId);
    contentIds.set(creator.address, ids);
  }
  const commandDeps = { store, contractId: deps.contractId, pendingTtlSeconds: deps.pendingTtlSeconds };
  await inChunks(plan.subscribers, 16, (s) => requestSubscription(commandDeps, { creator: s.creator, tier: s.tier.name }, { ...context(s.address, s.requestedAt), tenantId: s.creator }));

  const random = seeded(options.seed + 1);
  let views = 0;
  for (const creator of plan.creators) {
    const audience = plan.subscribers.filter((s) => s.creator === creator.address);
    const reports = contentIds.get(creator.address)!.flatMap((contentId) =>
      Array.from({ length: options.viewsPerContent }, () => ({
        contentId,
        viewer: audience.length > 0 ? audience[Math.floor(random() * audience.length)]!.address : undefined,
        positionSeconds: Math.floor(random() * 600),
        watchedSeconds: 5 + Math.floor(random() * 55),
        at: new Date(options.now.getTime() - Math.floor(random() * 30 * DAY_MS)).toISOString(),
      })),
    );
    const parsed = parseViewBatch(reports);
    if (!parsed.ok) throw new Error(`demo view reports rejected: ${JSON.stringify(parsed.bad.slice(0, 3))}`);
    for (let i = 0; i < parsed.items.length; i += 500) {
      views += (await recordViewEvents({ store }, parsed.items.slice(i, i + 500), context(creator.address, options.now))).accepted;
    }
  }
  // Last: its checkpoint marks the sample complete (guard.ts).
  const items = archiveItems(deps.contractId, plan.subscribers);
  await mkdir(deps.workDir, { recursive: true });
  const file = join(deps.workDir, 'demo-chain.ndjson');
  await writeFile(file, items.map((item) => JSON.stringify(item)).join('\n') + '\n');
  await replayArchive(deps.db, { file, job: SAMPLE_JOB, contracts: `${deps.contractId}=substream-v1`, passphrase: deps.passphrase, logger: deps.logger });

  return { creators: plan.creators.length, content: [...contentIds.values()].flat().length, subscriptions: plan.subscribers.length, contractEvents: items.length, views };
}
