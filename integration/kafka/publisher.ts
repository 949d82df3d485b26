import { Kafka, logLevel, Partitioners, type LogEntry, type Message } from 'kafkajs';
import type { Logger } from '../../platform/logger.ts';
import type { IntegrationMessage, Publisher } from '../publisher.ts';

export interface KafkaPublisherOptions {
  brokers: readonly string[];
  clientId: string;
  logger?: Logger;
  /**
   * Retries of one send before it rejects (kafkajs backoff, 300 ms doubling). Then the relay's own
   * backoff takes over and resends the batch from its checkpoint; at least 1 (kafkajs requires it).
   */
  retries?: number;
  connectionTimeoutMs?: number;
}

/** kafkajs logs through the process's pino logger (by default it writes to the console). */
function logCreator(logger: Logger | undefined) {
  return () =>
    ({ namespace, level, log: { message, timestamp: _timestamp, ...extra } }: LogEntry) => {
      if (!logger) return;
      const fields = { component: 'kafkajs', namespace, ...extra };
      if (level === logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    };
}

/** One `topicMessages` entry per topic, messages in the batch's (log) order within each. */
function byTopic(messages: readonly IntegrationMessage[]): { topic: string; messages: Message[] }[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, key, value, headers } of messages) {
    const list = topics.get(topic) ?? [];
    list.push({ key, value, headers });
    topics.set(topic, list);
  }
  return [...topics].map(([topic, list]) => ({ topic, messages: list }));
}

/**
 * The Kafka adapter of the `Publisher` port (kafkajs): an idempotent producer (the broker drops a
 * retried duplicate and keeps order), acks from all in-sync replicas, one request in flight, and
 * the Java-compatible murmur2 partitioner, so a key (the stream id) maps to the partition any
 * Kafka client would choose. Connects on the first publish; topics are auto-created by brokers
 * that allow it — create them beforehand to choose partitions and replication. Retries are
 * bounded, so kafkajs warns at start that this "may invalidate EoS guarantees": the relay promises
 * at least once and resends an unacknowledged batch itself.
 *
 * @example
 * const publisher = createKafkaPublisher({ brokers: ['kafka:9092'], clientId: 'substream', logger });
 * await publisher.publish(messages);
 * await publisher.close();
 */
export function createKafkaPublisher(options: KafkaPublisherOptions): Publisher {
  const retry = { retries: Math.max(1, options.retries ?? 5) };
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    retry,
    logLevel: logLevel.WARN,
    logCreator: logCreator(options.logger),
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, retry });
  let connected: Promise<void> | undefined;
  return {
    async publish(messages) {
      if (messages.length === 0) return;
      connected ??= producer.connect().catch((error: unknown) => {
        connected = undefined;
        throw error;
      });
      await connected;
      await producer.sendBatch({ acks: -1, topicMessages: byTopic(messages) });
    },
    async close() {
      connected = undefined;
      await producer.disconnect();
    },
  };
}
