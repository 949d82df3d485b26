import { randomUUID } from 'node:crypto';
import { Networks } from '@stellar/stellar-sdk';
import { cancelStream } from '../../commands/cancel-stream.ts';
import type { CommandContext, CommandDeps } from '../../commands/context.ts';
import { expirePending } from '../../commands/expire-pending.ts';
import { requestCancellation } from '../../commands/request-cancellation.ts';
import { requestSubscription } from '../../commands/request-subscription.ts';
import { setTiers } from '../../commands/set-tiers.ts';
import { withdrawFromStream } from '../../commands/withdraw-from-stream.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { WrongExpectedRevision } from '../../eventstore/errors.ts';
import { parseContracts } from '../../indexer/decoders/contracts.ts';
import { runIndexer } from '../../indexer/runner.ts';
import type { RawContractEvent } from '../../indexer/sources/types.ts';
import type { Db } from '../../platform/database.ts';
import { ensureCheckpoint } from '../../projections/checkpoints.ts';
import { creatorsProjector } from '../../projections/creators/projector.ts';
import { projectBatch, runProjectors } from '../../projections/runner.ts';
import { streamsProjector } from '../../projections/streams/projector.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import type { Projector } from '../../projections/types.ts';
import { memorySource } from '../indexer/memory-source.ts';
import { chainEvent, CONTRACTS, CREATORS, FIRST_LEDGER, ledgerTime, PAYMENT_STREAMS, SUBSCRIBERS, TOKEN, type Source, type Step } from './replay-history.ts';

/**
 * How a replay-equivalence history is applied, step by step, with the real commands, the real
 * indexer (two sources) and the real projector runner (tests/projections/replay-equivalence.test.ts).
 */

/** The models a history feeds, in the order `project` and `crashInBatch` steps name them. */
export const PROJECTORS: readonly Projector[] = [subscriptionsProjector, streamsProjector, creatorsProjector];
const decode = { passphrase: Networks.TESTNET, contracts: parseContracts(CONTRACTS) };
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** Bronze streams 10 stroops a second; silver is a monthly price. */
export const tiers = (silverPerMonth: bigint) => [
  { name: 'bronze' as const, token: TOKEN, price: { kind: 'rate' as const, ratePerSecond: '10' } },
  { name: 'silver' as const, token: TOKEN, price: { kind: 'period' as const, amount: silverPerMonth.toString(), periodSeconds: 2_592_000 } },
];

/** The projector, dying inside its batch transaction after writing the first `after` events of the batch. */
function crashing(projector: Projector, after: number): Projector {
  return {
    ...projector,
    async apply(trx, events) {
      await projector.apply(trx, events.slice(0, after));
      throw new SimulatedCrash(`${projector.name} crashed after ${after} of ${events.length} events`);
    },
  };
}

/** What the histories did, for the closing report. */
export interface Tally {
  histories: number;
  steps: number;
  events: number;
  facts: number;
  duplicateDeliveries: number;
  commands: number;
  rejected: number;
  refusals: Record<string, number>;
  crashes: number;
  rows: number;
}

/** A running history: the chain's clock, what each source will deliver, its indexer runs and a projector runner in the background. */
export interface World {
  history: number;
  ledger: number;
  tip: { latest: number };
  sources: Record<Source, RawContractEvent[]>;
  /** Each source's indexer runs, one after the other (a step may leave one running). */
  indexing: Record<Source, Promise<void>>;
  background: { stop: AbortController; done: Promise<void> } | null;
}

/** A command's context at the history's chain time. */
export const context = (actor: string, world: World): CommandContext => ({ actor, now: iso(ledgerTime(world.ledger)), correlationId: randomUUID() });

/** Runs a command; a refusal (the generator does not know the state) is an outcome, not a failure. */
async function command(tally: Tally, run: () => Promise<unknown>): Promise<void> {
  tally.commands++;
  try {
    await run();
  } catch (error) {
    // A concurrent append (the indexer racing the command) is the API's 409: an outcome too.
    if (!(error instanceof DomainError) && !(error instanceof WrongExpectedRevision)) throw error;
    tally.rejected++;
    tally.refusals[error.code] = (tally.refusals[error.code] ?? 0) + 1;
  }
}

/**
 * Runs a source's indexer job (its own checkpoint) up to ledger `to`, after that job's previous run;
 * `concurrent`: without waiting for it, so the next steps' commands and projector batches race it.
 */
export async function index(db: Db, world: World, source: Source, to: number, concurrent = false): Promise<void> {
  const run = world.indexing[source].then(() =>
    runIndexer(db, { job: `replay-${source}`, source: memorySource(world.sources[source], world.tip, source, 8), from: FIRST_LEDGER, to, decode }));
  const done = run.then(() => undefined);
  done.catch(() => undefined); // awaited later (the next run of the job, or `settle`), which rethrows
  world.indexing[source] = done;
  if (!concurrent) await run;
}

/** Waits for the indexer runs still going and stops the background projector runner, if one is running. */
export async function settle(world: World): Promise<void> {
  await Promise.all([world.indexing.rpc, world.indexing.archive]).finally(async () => {
    if (!world.background) return;
    world.background.stop.abort();
    await world.background.done;
    world.background = null;
  });
}

/**
 * Applies one step of a history at the world's current ledger.
 *
 * @example for (const step of steps) { world.ledger++; await applyStep(db, deps, world, step, tally); }
 */
export async function applyStep(db: Db, deps: CommandDeps, world: World, step: Step, tally: Tally): Promise<void> {
  const pairId = (s: { sub: number; creator: number }) => `${SUBSCRIBERS[s.sub]}-${CREATORS[s.creator]}`;
  const streamId = (i: number) => `${PAYMENT_STREAMS[i]!.contractId}-${PAYMENT_STREAMS[i]!.onchainId}`;
  switch (step.kind) {
    case 'subscribe':
      return command(tally, () => requestSubscription(deps, { creator: CREATORS[step.creator]!, tier: step.tier }, context(SUBSCRIBERS[step.sub]!, world)));
    case 'cancel': {
      const actor = step.byCreator ? CREATORS[step.creator]! : SUBSCRIBERS[step.sub]!;
      return command(tally, () => requestCancellation(deps, { subscriptionId: pairId(step) }, context(actor, world)));
    }
    case 'expire':
      return command(tally, () => expirePending(deps, { subscriptionId: pairId(step) }, context(CREATORS[step.creator]!, world)));
    case 'setTiers':
      return command(tally, () => setTiers(deps, { tiers: tiers(step.silverPerMonth) }, context(CREATORS[step.creator]!, world)));
    case 'withdraw': {
      const receiver = PAYMENT_STREAMS[step.stream]!.receiver;
      return command(tally, () => withdrawFromStream(deps, streamId(step.stream), step.amount === null ? {} : { amount: step.amount.toString() }, context(receiver, world)));
    }
    case 'cancelStream':
      return command(tally, () => cancelStream(deps, streamId(step.stream), context(PAYMENT_STREAMS[step.stream]!.sender, world)));
    case 'subscriptionFact':
    case 'streamFact': {
      const event = chainEvent(world.history, step, world.ledger);
      tally.facts++;
      if (step.via === 'both') tally.duplicateDeliveries++;
      for (const source of ['rpc', 'archive'] as const) if (step.via === source || step.via === 'both') world.sources[source].push(event);
      return;
    }
    case 'index':
      return index(db, world, step.source, FIRST_LEDGER + Math.floor(step.upTo * (world.ledger - FIRST_LEDGER)), step.concurrent);
    case 'project': {
      const projector = PROJECTORS[step.projector]!;
      await ensureCheckpoint(db, projector.name, projector.version);
      for (let i = 0; i < step.batches; i++) await projectBatch(db, projector, step.batchSize);
      return;
    }
    case 'crashInBatch': {
      const projector = PROJECTORS[step.projector]!;
      await ensureCheckpoint(db, projector.name, projector.version);
      try {
        await projectBatch(db, crashing(projector, step.after), step.batchSize);
      } catch (error) {
        if (!(error instanceof SimulatedCrash)) throw error;
        tally.crashes++;
      }
      return;
    }
    case 'runnerBurst': {
      // The real runner follows the log beside the next steps, until it is stopped mid-way ("killed") after `ms`.
      if (world.background) return;
      const stop = new AbortController();
      const done = runProjectors(db, PROJECTORS, { batchSize: 4, signal: stop.signal, pollIntervalMs: 5 });
      world.background = { stop, done };
      setTimeout(() => stop.abort(), step.ms);
      tally.crashes++;
      return;
    }
    default: {
      const never: never = step;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}
