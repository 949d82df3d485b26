import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventStore } from '../eventstore/types.ts';
import { poolOf, type Db } from './database.ts';
import { readDatabaseSnapshot, type DatabaseSnapshot } from './metrics-database.ts';
import { readReconciliation } from './metrics-reconciliation.ts';

type HttpLabels = 'method' | 'route' | 'status_class';

/** One Prometheus registry per process (or per test app) and the metrics the code updates itself. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<HttpLabels>;
  httpErrors: Counter<HttpLabels>;
  httpDuration: Histogram<HttpLabels>;
  /** Append calls made by this process, by result (`ok`, `conflict`, `error`). */
  eventStoreAppends: Counter<'result'>;
  /** Events in those calls: `appended`, or `already_stored` (the idempotent no-op). */
  eventStoreEvents: Counter<'outcome'>;
  websocketClients: Gauge;
  /** Live feed: from a fact being recorded (its transaction's start) to its message going out to the tenant's sockets. */
  liveDelivery: Histogram;
}

const SNAPSHOT_TTL_MS = 1_000;

/**
 * Creates the registry: process metrics (collectDefaultMetrics), HTTP and event store counters
 * updated by the code, and gauges read at scrape time — the pg pool of `db`, and from PostgreSQL
 * the log head, each projector's and outbox relay's lag and each indexer job's ledger. Tables that do not exist
 * (yet) are skipped, so a scrape never fails.
 *
 * @example const metrics = createMetrics(db); const text = await metrics.registry.metrics();
 */
export function createMetrics(db: Db, options: { defaultLabels?: Record<string, string> } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  let cached: { at: number; snapshot: Promise<DatabaseSnapshot> } | undefined;
  const snapshot = () => {
    if (!cached || Date.now() - cached.at > SNAPSHOT_TTL_MS) cached = { at: Date.now(), snapshot: readDatabaseSnapshot(db) };
    return cached.snapshot;
  };

  const pool = poolOf(db);
  new Gauge({
    name: 'substream_db_pool_connections',
    help: 'PostgreSQL pool connections of this process: total, idle, and clients waiting for one',
    labelNames: ['state'],
    registers,
    collect() {
      if (!pool) return;
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  new Gauge({
    name: 'substream_db_up',
    help: '1 when PostgreSQL answered the last scrape',
    registers,
    async collect() {
      this.set((await snapshot()).up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'substream_eventstore_last_position',
    help: 'Global position of the newest stored event (all writers; rate() of it is the append rate)',
    registers,
    async collect() {
      this.reset();
      const { lastPosition } = await snapshot();
      if (lastPosition !== null) this.set(lastPosition);
    },
  });
  const projectionGauge = (name: string, help: string, pick: (p: DatabaseSnapshot['projections'][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['projector'],
      registers,
      async collect() {
        this.reset();
        for (const p of (await snapshot()).projections) this.set({ projector: p.name }, pick(p));
      },
    });
  projectionGauge('substream_projection_lag_events', 'Events in the log after the projector checkpoint', (p) => p.lagEvents);
  projectionGauge('substream_projection_lag_seconds', 'Age of the oldest event the projector has not applied (0 when caught up)', (p) => p.lagSeconds);
  projectionGauge('substream_projection_failed', '1 when the projector stopped on an error', (p) => (p.state === 'failed' ? 1 : 0));
  new Gauge({
    name: 'substream_projection_dead_letters',
    help: 'Events a projector could not apply and nobody resolved yet: status halted (it stopped before one) or parked (it went on without them)',
    labelNames: ['projector', 'status'],
    registers,
    async collect() {
      this.reset();
      for (const d of (await snapshot()).deadLetters) this.set({ projector: d.projector, status: d.status }, d.count);
    },
  });
  const relayGauge = (name: string, help: string, pick: (r: DatabaseSnapshot['relays'][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['relay'],
      registers,
      async collect() {
        this.reset();
        for (const r of (await snapshot()).relays) this.set({ relay: r.name }, pick(r));
      },
    });
  relayGauge('substream_relay_lag_events', 'Events in the log after the outbox relay checkpoint (the last batch the broker acknowledged)', (r) => r.lagEvents);
  relayGauge('substream_relay_lag_seconds', 'Age of the oldest event the outbox relay has not passed yet (0 when caught up)', (r) => r.lagSeconds);
  const indexerGauge = (name: string, help: string, pick: (j: DatabaseSnapshot['indexer'][number]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['job'],
      registers,
      async collect() {
        this.reset();
        for (const job of (await snapshot()).indexer) {
          const value = pick(job);
          if (value !== null) this.set({ job: job.job }, value);
        }
      },
    });
  indexerGauge('substream_indexer_processed_ledger', 'Last ledger the indexer job fully processed', (j) => j.processedLedger);
  indexerGauge('substream_indexer_latest_ledger', 'Latest network ledger the indexer job has seen (when the job records it)', (j) => j.latestLedger);
  indexerGauge('substream_indexer_checkpoint_age_seconds', 'Seconds since the indexer job last advanced its checkpoint', (j) => j.ageSeconds);
  indexerGauge('substream_indexer_source_failing_seconds', 'Seconds the indexer job\'s source has been failing (follow mode waits it out); absent while it answers', (j) => j.sourceFailingSeconds);

  const reconciliationGauge = (name: string, help: string, pick: (r: { discrepancies: number; incomplete: number }) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.reset();
        const latest = await readReconciliation(db);
        if (latest) this.set(pick(latest));
      },
    });
  reconciliationGauge('substream_reconciliation_discrepancies', 'Discrepancies found by each tenant\'s latest reconciliation run, summed (0 before any run)', (r) => r.discrepancies);
  reconciliationGauge('substream_reconciliation_incomplete_tenants', 'Tenants whose latest reconciliation run covered ledgers never indexed (its totals not trusted)', (r) => r.incomplete);

  const http = { labelNames: ['method', 'route', 'status_class'] as HttpLabels[], registers };
  return {
    registry,
    httpRequests: new Counter({ name: 'substream_http_requests_total', help: 'HTTP requests answered', ...http }),
    httpErrors: new Counter({ name: 'substream_http_request_errors_total', help: 'HTTP requests answered with a 5xx status', ...http }),
    httpDuration: new Histogram({
      name: 'substream_http_request_duration_seconds',
      help: 'HTTP request duration until the response was sent',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ...http,
    }),
    eventStoreAppends: new Counter({ name: 'substream_eventstore_appends_total', help: 'Event store append calls made by this process', labelNames: ['result'], registers }),
    eventStoreEvents: new Counter({ name: 'substream_eventstore_events_total', help: 'Events passed to append by this process', labelNames: ['outcome'], registers }),
    websocketClients: new Gauge({ name: 'substream_websocket_clients', help: 'Open WebSocket connections on this process', registers }),
    liveDelivery: new Histogram({
      name: 'substream_live_delivery_seconds',
      help: "Live feed: from an event's recorded_at to its message being handed to the tenant's sockets on this process",
      buckets: [0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5],
      registers,
    }),
  };
}

const instrumented = new WeakSet<EventStore>();

/**
 * Wraps an event store so that every append is counted in `metrics` (the store itself is untouched).
 *
 * @example const store = instrumentEventStore(createPostgresEventStore(db), metrics);
 */
export function instrumentEventStore(store: EventStore, metrics: Pick<Metrics, 'eventStoreAppends' | 'eventStoreEvents'>): EventStore {
  if (instrumented.has(store)) return store;
  const count = async <T extends { appended: number; alreadyStored: string[] }>(run: () => Promise<T[]>): Promise<T[]> => {
    try {
      const results = await run();
      metrics.eventStoreAppends.inc({ result: 'ok' });
      for (const r of results) {
        metrics.eventStoreEvents.inc({ outcome: 'appended' }, r.appended);
        metrics.eventStoreEvents.inc({ outcome: 'already_stored' }, r.alreadyStored.length);
      }
      return results;
    } catch (error) {
      metrics.eventStoreAppends.inc({ result: (error as { code?: string }).code === 'CONCURRENCY.CONFLICT' ? 'conflict' : 'error' });
      throw error;
    }
  };
  const wrapped: EventStore = {
    append: async (streamId, events, options) => (await count(async () => [await store.append(streamId, events, options)]))[0]!,
    appendMany: (appends) => count(() => store.appendMany(appends)),
    readStream: (streamId, options) => store.readStream(streamId, options),
    readStreams: (streamIds) => store.readStreams(streamIds),
    readAll: (options) => store.readAll(options),
    subscribe: (options) => store.subscribe(options),
    close: () => store.close(),
  };
  instrumented.add(wrapped);
  return wrapped;
}
