import type { ChainCoordinates, EventSource, RecordedEvent } from '../eventstore/types.ts';
import { aggregateKindOf } from './published-events.ts';
import type { IntegrationMessage } from './publisher.ts';
import { publicData } from './withheld-fields.ts';

/**
 * The public shape of an integration event (the message value, as JSON). `data` is the stored
 * event data less the fields withheld for its type (a content item's gated `url`:
 * withheld-fields.ts), otherwise unchanged: amounts are decimal strings of stroops, never numbers. `globalPosition`
 * is a decimal string (int8), unique in the log; the order is guaranteed per stream (per key).
 */
export interface IntegrationEvent {
  id: string;
  type: string;
  streamId: string;
  revision: number;
  globalPosition: string;
  recordedAt: string;
  tenantId: string | null;
  source: EventSource;
  /** Where a chain fact was read from; null for intents. */
  chain: ChainCoordinates | null;
  correlationId: string | null;
  causationId: string | null;
  data: unknown;
}

/**
 * The public shape of a recorded event (withheld fields removed): the Kafka message value and the
 * body of a webhook delivery.
 *
 * @example JSON.stringify(integrationEventOf(event)) // '{"id":"…","type":"SubscriptionBilled",…}'
 */
export function integrationEventOf(event: RecordedEvent): IntegrationEvent {
  const { tenantId, source, chain, correlationId, causationId } = event.metadata;
  return {
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    revision: event.streamRevision,
    globalPosition: event.globalPosition.toString(),
    recordedAt: event.recordedAt.toISOString(),
    tenantId: tenantId ?? null,
    source,
    chain: chain ?? null,
    correlationId: correlationId ?? null,
    causationId: causationId ?? null,
    data: publicData(event.type, event.data),
  };
}

/**
 * Maps a recorded event of a published type to its integration message: topic = prefix +
 * aggregate kind, key = stream id, value = the public shape, headers for consumers that route or
 * dedupe without parsing the value (dedupe on `event-id`: delivery is at least once).
 *
 * @example const message = toIntegrationMessage(event, 'substream.'); // { topic: 'substream.subscription', key: event.streamId, … }
 */
export function toIntegrationMessage(event: RecordedEvent, topicPrefix: string): IntegrationMessage {
  const kind = aggregateKindOf(event.type);
  if (!kind) throw new Error(`${event.type} is not a published integration event`);
  const value = integrationEventOf(event);
  const { tenantId } = value;
  const headers: Record<string, string> = {
    'event-id': event.id,
    'event-type': event.type,
    'stream-revision': String(event.streamRevision),
    'global-position': value.globalPosition,
  };
  if (tenantId) headers['tenant-id'] = tenantId;
  return { topic: `${topicPrefix}${kind}`, key: event.streamId, value: JSON.stringify(value), headers };
}
