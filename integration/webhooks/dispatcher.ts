import { START, type LogPosition, type RecordedEvent } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { readLogBatch } from '../../projections/read-log.ts';
import { advanceRelayCheckpoint, loadRelayCheckpoint, lockRelay } from '../checkpoint.ts';
import { pollLoop } from '../poll-loop.ts';
import { integrationEventOf } from '../message.ts';
import { PUBLISHED_TYPES } from '../published-events.ts';

/** The dispatcher's checkpoint in `outbox_checkpoints`. */
export const WEBHOOK_DISPATCHER = 'webhooks';

export interface DispatchStep {
  /** Events scanned in the log. */
  read: number;
  /** Delivery rows written (one per event and subscribed endpoint). */
  deliveries: number;
  position: LogPosition;
  caughtUp: boolean;
}

interface Subscriber {
  id: string;
  tenant_id: string;
  events: string[];
  created_at: Date;
}

/** An endpoint hears of its tenant's events of its types recorded since it was registered (not the history before). */
const wants = (endpoint: Subscriber, event: RecordedEvent) =>
  endpoint.tenant_id === event.metadata.tenantId
  && event.recordedAt >= endpoint.created_at
  && (endpoint.events.includes('*') || endpoint.events.includes(event.type));

/**
 * Dispatches at most one batch of the log: under its lock, reads the published event types after
 * its checkpoint and writes a delivery row for every endpoint of the event's tenant that is not
 * disabled, subscribes to the type and was registered before the event was recorded, with the public integration shape as payload, in the same
 * transaction that advances the checkpoint. A crash rolls both back; a replay of a batch writes
 * nothing twice (unique (endpoint, event)).
 *
 * @example const { deliveries, caughtUp } = await dispatchBatch(db, { batchSize: 500 });
 */
export async function dispatchBatch(db: Db, options: { batchSize: number }): Promise<DispatchStep> {
  return db.transaction().execute(async (trx): Promise<DispatchStep> => {
    await lockRelay(trx, WEBHOOK_DISPATCHER);
    const after = (await loadRelayCheckpoint(trx, WEBHOOK_DISPATCHER))?.position ?? START;
    const batch = await readLogBatch(trx, { after, limit: options.batchSize, types: PUBLISHED_TYPES });
    const caughtUp = batch.scanned < options.batchSize;
    if (!batch.last) return { read: 0, deliveries: 0, position: after, caughtUp };
    const tenants = [...new Set(batch.events.map((event) => event.metadata.tenantId).filter((tenant): tenant is string => Boolean(tenant)))];
    const endpoints = tenants.length === 0 ? [] : await trx
      .selectFrom('webhook_endpoints')
      .select(['id', 'tenant_id', 'events', 'created_at'])
      .where('tenant_id', 'in', tenants)
      .where('status', '<>', 'disabled')
      .orderBy('created_at')
      .execute();
    const rows = batch.events.flatMap((event) => endpoints
      .filter((endpoint) => wants(endpoint, event))
      .map((endpoint) => ({
        endpoint_id: endpoint.id,
        tenant_id: endpoint.tenant_id,
        event_id: event.id,
        event_type: event.type,
        stream_id: event.streamId,
        payload: JSON.stringify(integrationEventOf(event)),
      })));
    let written = 0;
    // In log order: `seq` (the order workers keep per endpoint and stream) follows the rows.
    for (let i = 0; i < rows.length; i += 1000) {
      const result = await trx.insertInto('webhook_deliveries').values(rows.slice(i, i + 1000))
        .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
        .executeTakeFirst();
      written += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    await advanceRelayCheckpoint(trx, WEBHOOK_DISPATCHER, { position: batch.last, published: written });
    return { read: batch.scanned, deliveries: written, position: batch.last, caughtUp };
  });
}

/**
 * Runs the dispatcher until the signal aborts: batch after batch, polling at the end of the log,
 * retrying a failed batch from the same checkpoint with backoff (0.5 s doubling to 30 s).
 *
 * @example await runDispatcher(db, { batchSize: 500, signal, logger });
 */
export async function runDispatcher(db: Db, options: { batchSize: number; pollIntervalMs?: number; signal?: AbortSignal; logger?: Logger }): Promise<void> {
  const { logger } = options;
  await pollLoop(async () => {
    const step = await dispatchBatch(db, options);
    if (step.deliveries > 0) logger?.debug({ read: step.read, deliveries: step.deliveries }, 'webhook deliveries dispatched');
    return step.caughtUp;
  }, { pollIntervalMs: 200, ...options, label: 'webhook dispatch batch' });
}
