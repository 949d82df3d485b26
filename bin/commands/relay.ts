import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { loadRelayCheckpoint } from '../../integration/checkpoint.ts';
import { createKafkaPublisher } from '../../integration/kafka/publisher.ts';
import { KAFKA_RELAY, runRelay } from '../../integration/relay.ts';
import { parseCliArgs, UsageError, type CliCommand } from '../cli.ts';

export const relay: CliCommand = {
  usage: `substream relay [--batch-size N] [--poll-interval MS]

Publishes integration events (the intents and facts of subscriptions, payment streams, invoice
links and creators) from the event log to Kafka (KAFKA_BROKERS), one topic per aggregate kind
(KAFKA_TOPIC_PREFIX + subscription|stream|invoice-link|creator), keyed by stream id. The checkpoint
(outbox_checkpoints, name "kafka") advances only after the brokers acknowledge a batch: delivery is
at least once, consumers dedupe on the event-id header. A failed send is retried from the same
checkpoint with backoff. Stops cleanly on SIGINT/SIGTERM. Exit 2 when KAFKA_BROKERS is unset.

  --batch-size N       events read from the log per batch (default 500)
  --poll-interval MS   pause at the end of the log before polling again (default 200)`,
  async run(argv) {
    const { values } = parseCliArgs(argv, { 'batch-size': { type: 'string' }, 'poll-interval': { type: 'string' } });
    const batchSize = values['batch-size'] === undefined ? 500 : Number(values['batch-size']);
    const pollIntervalMs = values['poll-interval'] === undefined ? 200 : Number(values['poll-interval']);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 50_000) throw new UsageError('--batch-size must be an integer from 1 to 50000');
    if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 0) throw new UsageError('--poll-interval must be a non-negative integer');
    const config = loadConfig();
    const brokers = config.KAFKA_BROKERS;
    if (!brokers) throw new UsageError('KAFKA_BROKERS is not set: the relay needs the Kafka brokers to publish to (e.g. KAFKA_BROKERS=kafka:9092)');
    const logger = createLogger(config.LOG_LEVEL, 'substream-relay');
    const runtime = await openRuntime(config, logger);
    const publisher = createKafkaPublisher({ brokers, clientId: config.KAFKA_CLIENT_ID, logger });
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      logger.info({ brokers, topicPrefix: config.KAFKA_TOPIC_PREFIX, batchSize }, 'relay started');
      await runRelay(runtime.db, publisher, {
        name: KAFKA_RELAY, topicPrefix: config.KAFKA_TOPIC_PREFIX, batchSize, pollIntervalMs, signal: controller.signal, logger,
      });
      const checkpoint = await loadRelayCheckpoint(runtime.db, KAFKA_RELAY);
      logger.info({ eventsPublished: checkpoint?.eventsPublished ?? 0, lastError: checkpoint?.lastError ?? null }, 'relay stopped');
      return 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await publisher.close().catch((error: unknown) => logger.warn({ err: error }, 'kafka producer did not disconnect cleanly'));
      await runtime.close();
    }
  },
};
