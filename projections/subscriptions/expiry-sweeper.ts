import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expirePending } from '../../commands/expire-pending.ts';
import { parseSubscriptionId } from '../../commands/subscription-id.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { WrongExpectedRevision } from '../../eventstore/errors.ts';
import type { EventStore } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { dueExpiries } from './due-expiries.ts';

export interface SweepOptions {
  /** The clock (ISO time); the current time by default. */
  now?: () => string;
  logger?: Logger;
  signal?: AbortSignal;
  /** Due ids read per query (default 500); a sweep pages through all of them. */
  pageSize?: number;
}

export interface SweepResult {
  /** Candidates the read model showed as pending and past their expiry. */
  due: number;
  /** SubscriptionExpired events appended. */
  expired: number;
  /** Left for the next round: confirmed, cancelled or changed meanwhile, or failed. */
  skipped: number;
}

const systemNow = (): string => new Date().toISOString();

/** Expected races: the stream moved on since the read model saw it; the next round re-checks. */
const isRace = (error: unknown): boolean =>
  error instanceof WrongExpectedRevision || (error instanceof DomainError && error.code === 'SUBSCRIPTION.NOT_EXPIRABLE');

/**
 * One round: every subscription the read model shows pending past its expiry gets `expirePending`
 * as `system` on behalf of its creator. The stream is the judge: one confirmed by the chain
 * meanwhile (NOT_EXPIRABLE) or written concurrently (WrongExpectedRevision) is skipped at debug;
 * any other error on one subscription is logged and skipped so it cannot starve the rest. Each
 * due id is tried at most once per round (keyset pages), so a lagging read model cannot loop it.
 *
 * @example const { expired } = await sweepOnce(db, store, { logger });
 */
export async function sweepOnce(db: Db, store: EventStore, options: SweepOptions = {}): Promise<SweepResult> {
  const { now = systemNow, logger, signal, pageSize = 500 } = options;
  const result: SweepResult = { due: 0, expired: 0, skipped: 0 };
  const asOf = now();
  let after: string | undefined;
  while (!signal?.aborted) {
    const ids = await dueExpiries(db, asOf, pageSize, { after });
    result.due += ids.length;
    for (const subscriptionId of ids) {
      if (signal?.aborted) break;
      const pair = parseSubscriptionId(subscriptionId);
      if (!pair) {
        result.skipped += 1;
        logger?.warn({ subscriptionId }, 'expiry sweep: not a subscription id');
        continue;
      }
      try {
        await expirePending({ store }, { subscriptionId }, { actor: 'system', tenantId: pair.creator, now: now(), correlationId: randomUUID() });
        result.expired += 1;
      } catch (error) {
        result.skipped += 1;
        if (isRace(error)) logger?.debug({ subscriptionId, err: error }, 'expiry sweep: not expirable any more, skipped');
        else logger?.warn({ subscriptionId, err: error }, 'expiry sweep: expiring failed, retried next round');
      }
    }
    if (ids.length < pageSize) break;
    after = ids[ids.length - 1];
  }
  return result;
}

export interface ExpirySweeperOptions extends Omit<SweepOptions, 'signal'> {
  /** Pause between rounds (SUBSCRIPTION_EXPIRY_SWEEP_SECONDS × 1000). */
  intervalMs: number;
  signal?: AbortSignal;
}

/**
 * Runs `sweepOnce` now and then every `intervalMs` until the signal aborts; resolves promptly
 * after the abort (the item in flight finishes, the pause is cut short). A failed round (database
 * unavailable, …) is logged and retried at the next interval: the loop never throws.
 *
 * @example
 * const sweeping = runExpirySweeper(db, store, { intervalMs: 60_000, signal: controller.signal, logger });
 * controller.abort(); await sweeping;
 */
export async function runExpirySweeper(db: Db, store: EventStore, options: ExpirySweeperOptions): Promise<void> {
  const { intervalMs, signal, logger: parent, ...sweep } = options;
  const logger = parent?.child({ job: 'expiry-sweeper' });
  while (!signal?.aborted) {
    try {
      const result = await sweepOnce(db, store, { ...sweep, logger, signal });
      if (result.due > 0) logger?.info(result, 'expiry sweep done');
    } catch (error) {
      if (!signal?.aborted) logger?.warn({ err: error, retryInMs: intervalMs }, 'expiry sweep failed; retrying');
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
  }
}
