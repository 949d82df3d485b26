import { setTimeout as sleep } from 'node:timers/promises';
import { START, type LogPosition } from '../eventstore/types.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import { readLogBatch } from '../projections/read-log.ts';
import { advanceRelayCheckpoint, failRelayCheckpoint, loadRelayCheckpoint, lockRelay } from './checkpoint.ts';
import { toIntegrationMessage } from './message.ts';
import { PUBLISHED_TYPES } from './published-events.ts';
import type { Publisher } from './publisher.ts';

/** The checkpoint name of the Kafka relay in `outbox_checkpoints`. */
export const KAFKA_RELAY = 'kafka';

export interface RelayOptions {
  /** The relay's checkpoint in `outbox_checkpoints`. */
  name: string;
  topicPrefix: string;
  /** Events scanned per batch (published or not). */
  batchSize: number;
  /** Abandons a send in flight: the batch stays unacknowledged and is sent again. */
  signal?: AbortSignal;
}

export interface RelayStep {
  /** Events scanned in the log. */
  read: number;
  /** Messages the broker acknowledged. */
  published: number;
  position: LogPosition;
  caughtUp: boolean;
}

/** `work`, or a rejection with the signal's reason as soon as it aborts (the work is left to settle). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/**
 * Publishes at most one batch: under the relay's lock, reads the gapless log after the checkpoint,
 * sends the published types as integration messages, and only once the broker has acknowledged
 * them advances the checkpoint (past the unpublished types too), in one transaction. A send that
 * fails rolls back, records `last_error` and rethrows: the same batch is sent again next time, so
 * delivery is at least once and consumers dedupe on the `event-id` header.
 *
 * @example const { published, caughtUp } = await relayBatch(db, publisher, { name: KAFKA_RELAY, topicPrefix: 'substream.', batchSize: 500 });
 */
export async function relayBatch(db: Db, publisher: Publisher, options: RelayOptions): Promise<RelayStep> {
  const { name, topicPrefix, batchSize, signal } = options;
  try {
    return await db.transaction().execute(async (trx): Promise<RelayStep> => {
      await lockRelay(trx, name);
      const after = (await loadRelayCheckpoint(trx, name))?.position ?? START;
      const batch = await readLogBatch(trx, { after, limit: batchSize, types: PUBLISHED_TYPES });
      const caughtUp = batch.scanned < batchSize;
      if (!batch.last) return { read: 0, published: 0, position: after, caughtUp };
      const messages = batch.events.map((event) => toIntegrationMessage(event, topicPrefix));
      if (messages.length > 0) await untilAborted(publisher.publish(messages), signal);
      await advanceRelayCheckpoint(trx, name, { position: batch.last, published: messages.length });
      return { read: batch.scanned, published: messages.length, position: batch.last, caughtUp };
    });
  } catch (error) {
    if (!signal?.aborted) await failRelayCheckpoint(db, name, (error as Error)?.message ?? String(error)).catch(() => undefined);
    throw error;
  }
}

export interface RunRelayOptions extends RelayOptions {
  /** Pause at the end of the log before polling again. */
  pollIntervalMs?: number;
  logger?: Logger;
}

/**
 * Runs the relay until the signal aborts: batch after batch, polling at the end of the log. A
 * failed batch (broker or database unavailable) is retried from the same checkpoint with backoff
 * (0.5 s doubling to 30 s); nothing is ever skipped. An abort during a send abandons it.
 *
 * @example
 * const controller = new AbortController();
 * await runRelay(db, createKafkaPublisher({ brokers, clientId }), { name: KAFKA_RELAY, topicPrefix, batchSize: 500, signal: controller.signal, logger });
 */
export async function runRelay(db: Db, publisher: Publisher, options: RunRelayOptions): Promise<void> {
  const { signal, logger, pollIntervalMs = 200 } = options;
  let backoff = 0;
  while (!signal?.aborted) {
    try {
      if (backoff > 0) await sleep(backoff, undefined, { signal }).catch(() => undefined);
      if (signal?.aborted) return;
      const step = await relayBatch(db, publisher, options);
      backoff = 0;
      if (step.read > 0) logger?.debug({ read: step.read, published: step.published }, 'batch relayed');
      if (step.caughtUp) await sleep(pollIntervalMs, undefined, { signal }).catch(() => undefined);
    } catch (error) {
      if (signal?.aborted) return;
      backoff = Math.min(Math.max(backoff * 2, 500), 30_000);
      logger?.warn({ err: error, retryInMs: backoff }, 'relay batch not published; retrying it');
    }
  }
}
