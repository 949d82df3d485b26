/** One integration event as a broker receives it. */
export interface IntegrationMessage {
  /** `KAFKA_TOPIC_PREFIX` + the aggregate kind: `substream.subscription`. */
  topic: string;
  /** The event's stream id: one stream always lands in one partition, in order. */
  key: string;
  /** JSON of the public event shape (`IntegrationEvent`). */
  value: string;
  /** `event-id`, `event-type`, `stream-revision`, `global-position`, `tenant-id` (when the event has one). */
  headers: Record<string, string>;
}

/**
 * The publisher port of the outbox relay. `publish` resolves only once the broker has
 * acknowledged every message (all in-sync replicas), in order per key; it rejects otherwise and
 * the relay sends the whole batch again. Implemented by `kafka/publisher.ts`.
 *
 * @example await publisher.publish([{ topic: 'substream.subscription', key: 'subscription-G…-G…', value: '{…}', headers: {} }]);
 */
export interface Publisher {
  publish(messages: readonly IntegrationMessage[]): Promise<void>;
  close(): Promise<void>;
}
