import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Keypair } from '@stellar/stellar-sdk';
import { requestSubscription } from '../../commands/request-subscription.ts';
import type { AppendObserver } from '../../eventstore/observe-appends.ts';
import type { EventStore } from '../../eventstore/types.ts';
import { readCheckpoint } from '../../indexer/checkpoints.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../indexer/runner.ts';
import { createRpcEventReader } from '../../indexer/sources/rpc-event-id.ts';
import type { LedgerSource } from '../../indexer/sources/types.ts';
import type { Db } from '../../platform/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { getEventsItem, type DemoFact } from './chain-events.ts';
import { PERIOD_SECONDS, seeded, type DemoPlan } from './plan.ts';

export interface LiveOptions {
  db: Db;
  store: EventStore;
  contractId: string;
  passphrase: string;
  pendingTtlSeconds: number;
  plan: DemoPlan;
  /** The first ledger of the live chain (after the sample's last one). */
  firstLedger: number;
  seed: number;
  signal: AbortSignal;
  logger: Logger;
  /** Told of every fact once the indexer has stored it. */
  onFact?: (fact: DemoFact) => void;
  /** The log signal's announcer (the live feed wakes at once rather than at its next poll). */
  onAppended?: AppendObserver;
}

const JOB = 'demo:live';

/**
 * Keeps the sample alive until `signal` aborts: every 1–2 s one more chain fact — mostly a bill,
 * sometimes a new subscriber (its intent through the RequestSubscription command, then its
 * activation), sometimes a cancellation — encoded as a substream-v1 contract event and indexed by
 * the indexer under the job `demo:live`, one ledger per fact, closing at the wall-clock time.
 *
 * @example await runLiveFacts({ db, store, contractId, passphrase, pendingTtlSeconds, plan, firstLedger, seed, signal, logger });
 */
export async function runLiveFacts(options: LiveOptions): Promise<number> {
  const { db, contractId, passphrase, plan, signal, logger } = options;
  const random = seeded(options.seed + Date.now());
  const contracts = parseContracts(`${contractId}=substream-v1`);
  const active = plan.subscribers.filter((s) => !s.facts.some((f) => f.fact.name === 'unsubscribed')).map((s) => ({ subscriber: s.address, creator: s.creator, amount: s.tier.amount }));
  let ledger = Math.max(options.firstLedger, ((await readCheckpoint(db, JOB))?.lastLedger ?? 0) + 1);
  let emitted = 0;
  while (!signal.aborted) {
    await sleep(1_000 + Math.floor(random() * 1_000), undefined, { signal }).catch(() => undefined);
    if (signal.aborted) break;
    const now = new Date();
    const roll = random();
    let fact: DemoFact;
    if (roll < 0.2 || active.length === 0) {
      const creator = plan.creators[Math.floor(random() * plan.creators.length)]!;
      const tier = creator.tiers[Math.floor(random() * creator.tiers.length)]!;
      const subscriber = Keypair.random().publicKey();
      const context = { actor: subscriber, tenantId: creator.address, now: now.toISOString(), correlationId: randomUUID() };
      await requestSubscription({ store: options.store, contractId, pendingTtlSeconds: options.pendingTtlSeconds }, { creator: creator.address, tier: tier.name }, context);
      active.push({ subscriber, creator: creator.address, amount: tier.amount });
      fact = { name: 'subscription_created', subscriber, creator: creator.address, planId: tier.planId, token: plan.token, ratePerSecond: tier.amount / BigInt(PERIOD_SECONDS), createdAt: now };
    } else {
      const index = Math.floor(random() * active.length);
      const { subscriber, creator, amount } = active[index]!;
      if (roll < 0.9) {
        fact = { name: 'subscription_billed', subscriber, creator, amount, billedAt: now, reference: `demo-live-${ledger}` };
      } else {
        active.splice(index, 1);
        fact = { name: 'unsubscribed', subscriber, creator };
      }
    }
    const event = createRpcEventReader()(getEventsItem(contractId, fact, { ledger, closedAt: now, txOrder: 1 }));
    const tip = ledger;
    const source: LedgerSource = {
      name: 'demo-live',
      latestLedger: async () => tip,
      async *read(range) {
        yield { fromLedger: range.from, toLedger: tip, transactions: 1, events: [event] };
      },
    };
    await runIndexer(db, { job: JOB, source, from: options.firstLedger, to: tip, decode: { passphrase, contracts }, logger, ...(options.onAppended ? { onAppended: options.onAppended } : {}) });
    ledger++;
    emitted++;
    options.onFact?.(fact);
  }
  logger.info({ emitted }, 'demo: live facts stopped');
  return emitted;
}
