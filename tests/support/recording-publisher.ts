import type { IntegrationMessage, Publisher } from '../../integration/publisher.ts';

export interface RecordingPublisher extends Publisher {
  /** Every batch the "broker" acknowledged, in order. */
  batches: IntegrationMessage[][];
  /** Calls to `publish`, acknowledged or not. */
  attempts: number;
  /** Makes the next `n` sends throw, as a broker that is down would. */
  failNext(n: number): void;
  /** Runs before each acknowledgement (after a failure check): to look at the database mid-send. */
  onSend?: (messages: readonly IntegrationMessage[]) => Promise<void>;
}

/**
 * A test double of Kafka, which cannot run on the development machines: it implements the
 * `Publisher` port by recording what it acknowledges. The kafkajs adapter itself is tested
 * against a real broker in tests/integration/kafka-publisher.test.ts when KAFKA_BROKERS is set.
 *
 * @example const publisher = recordingPublisher(); publisher.failNext(1); … publisher.batches.flat()
 */
export function recordingPublisher(): RecordingPublisher {
  let failures = 0;
  const publisher: RecordingPublisher = {
    batches: [],
    attempts: 0,
    failNext(n) {
      failures = n;
    },
    async publish(messages) {
      publisher.attempts += 1;
      if (failures > 0) {
        failures -= 1;
        throw new Error('broker unavailable (recording publisher, failing on purpose)');
      }
      await publisher.onSend?.(messages);
      publisher.batches.push([...messages]);
    },
    async close() {},
  };
  return publisher;
}
