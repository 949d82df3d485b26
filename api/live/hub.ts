import type { FastifyBaseLogger } from 'fastify';
import { readHeadPosition } from '../../eventstore/postgres/head.ts';
import { readAllEvents } from '../../eventstore/postgres/read.ts';
import type { LogPosition, RecordedEvent } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import type { LiveClient } from './client.ts';
import { toDelta, viewCounts, type Delta } from './messages.ts';

export interface HubOptions {
  pollIntervalMs?: number;
  heartbeatMs?: number;
  batchSize?: number;
}

export interface LiveHub {
  /** Adds a client; with a cursor, replays the tenant's facts after it from the log first. */
  join(client: LiveClient): Promise<{ replayed: number }>;
  leave(client: LiveClient): void;
  close(): void;
  readonly clients: number;
}

/** Live deltas held per client while its replay runs; past this it is dropped as too slow. */
const MAX_HELD = 5_000;

/** Timers of the tailer never keep a closing process alive. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

type Tagged = { delta: Delta; at: LogPosition };

function byTenant(events: readonly RecordedEvent[]): Map<string, Tagged[]> {
  const tenants = new Map<string, Tagged[]>();
  for (const event of events) {
    const live = toDelta(event);
    if (live) tenants.set(live.tenant, [...(tenants.get(live.tenant) ?? []), live]);
  }
  return tenants;
}

/**
 * The live feed of one process: a single tailer over the gapless global log, started at the
 * first client from the head of the log, fanning each batch out to that tenant's clients. Every
 * instance tails the log itself, so each client gets each fact once, from the instance it is
 * connected to. View counts are summed per tenant and content and sent each second.
 *
 * @example const hub = liveHub(db, app.log); await hub.join(liveClient(socket, tenant, null));
 */
export function liveHub(db: Db, log: FastifyBaseLogger, options: HubOptions = {}): LiveHub {
  const pollIntervalMs = options.pollIntervalMs ?? 20;
  const batchSize = options.batchSize ?? 1_000;
  const tenants = new Map<string, Set<LiveClient>>();
  const held = new Map<LiveClient, Tagged[]>();
  let views = new Map<string, Map<string, number>>();
  let started: Promise<void> | null = null;
  let closed = false;
  const timers: NodeJS.Timeout[] = [];

  const dispatch = (events: readonly RecordedEvent[]) => {
    for (const [tenant, deltas] of byTenant(events)) {
      const clients = tenants.get(tenant);
      if (!clients) continue;
      const encoded = JSON.stringify({ type: 'deltas', position: deltas[deltas.length - 1]!.delta.position, deltas: deltas.map((d) => d.delta) });
      for (const client of clients) {
        const waiting = held.get(client);
        if (waiting && waiting.length + deltas.length > MAX_HELD) client.drop();
        else if (waiting) waiting.push(...deltas);
        else client.deliver(deltas, encoded);
      }
    }
    for (const event of events) {
      const tenant = event.metadata.tenantId;
      if (!tenant || !tenants.has(tenant)) continue;
      const counts = views.get(tenant) ?? new Map<string, number>();
      for (const [contentId, n] of viewCounts(event)) counts.set(contentId, (counts.get(contentId) ?? 0) + n);
      if (counts.size > 0) views.set(tenant, counts);
    }
  };

  const tail = async (from: LogPosition) => {
    let after = from;
    while (!closed) {
      try {
        const batch = await readAllEvents(db, { after, limit: batchSize });
        if (batch.length > 0) {
          after = batch[batch.length - 1]!.position;
          dispatch(batch);
        }
        if (batch.length < batchSize) await sleep(pollIntervalMs);
      } catch (error) {
        log.warn({ err: error }, 'live feed: reading the log failed, retrying');
        await sleep(1_000);
      }
    }
  };

  const start = () =>
    (started ??= (async () => {
      const head = await readHeadPosition(db).catch((error: unknown) => {
        started = null;
        throw error;
      });
      void tail(head);
      timers.push(
        setInterval(() => {
          const sent = views;
          views = new Map();
          for (const [tenant, counts] of sent) for (const client of tenants.get(tenant) ?? []) client.addViews(counts);
        }, 1_000),
        setInterval(() => {
          for (const clients of tenants.values()) for (const client of clients) client.flush();
        }, 50),
        setInterval(() => {
          for (const clients of tenants.values()) for (const client of clients) client.ping();
        }, options.heartbeatMs ?? 30_000),
      );
    })());

  const replay = async (client: LiveClient): Promise<number> => {
    let replayed = 0;
    let after = client.cursor!;
    for (;;) {
      const batch = await readAllEvents(db, { after, limit: batchSize });
      if (batch.length > 0) after = batch[batch.length - 1]!.position;
      const mine = byTenant(batch).get(client.tenant) ?? [];
      client.deliver(mine);
      replayed += mine.length;
      if (batch.length < batchSize || closed) return replayed;
    }
  };

  return {
    async join(client) {
      await start();
      tenants.set(client.tenant, (tenants.get(client.tenant) ?? new Set()).add(client));
      if (!client.cursor) return { replayed: 0 };
      held.set(client, []);
      try {
        return { replayed: await replay(client) };
      } finally {
        const waiting = held.get(client) ?? [];
        held.delete(client);
        client.deliver(waiting);
      }
    },
    leave(client) {
      held.delete(client);
      const clients = tenants.get(client.tenant);
      clients?.delete(client);
      if (clients?.size === 0) tenants.delete(client.tenant);
    },
    close() {
      closed = true;
      for (const timer of timers) clearInterval(timer);
    },
    get clients() {
      let n = 0;
      for (const clients of tenants.values()) n += clients.size;
      return n;
    },
  };
}
