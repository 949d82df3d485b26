import type { FastifyBaseLogger } from 'fastify';
import { readHeadPosition } from '../../eventstore/postgres/head.ts';
import { readAllEvents } from '../../eventstore/postgres/read.ts';
import type { LogPosition, RecordedEvent } from '../../eventstore/types.ts';
import type { Db } from '../../platform/database.ts';
import type { LogSignal } from '../../platform/log-signal.ts';
import type { LiveClient } from './client.ts';
import { isAfter, toDelta, viewCounts, type Delta } from './messages.ts';

export interface HubOptions {
  /** The fallback poll: how long the tailer waits for a wake-up before reading the log anyway. */
  pollIntervalMs?: number;
  heartbeatMs?: number;
  batchSize?: number;
  /** Wakes the tailer when any process commits an append (through Redis, or in-process). */
  signal?: Pick<LogSignal, 'subscribe'>;
  /** Told, per live fact sent to a tenant's clients, the seconds since it was recorded. */
  observeDelivery?: (seconds: number) => void;
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
/** First re-read delay when an announced append is not visible yet (an older transaction is open). */
const CHASE_MS = 5;

type Tagged = { delta: Delta; at: LogPosition };

function byTenant(events: readonly RecordedEvent[]): Map<string, Tagged[]> {
  const tenants = new Map<string, Tagged[]>();
  for (const event of events) {
    const live = toDelta(event);
    if (!live) continue;
    const list = tenants.get(live.tenant);
    if (list) list.push(live);
    else tenants.set(live.tenant, [live]);
  }
  return tenants;
}

/**
 * The live feed of one process: a single tailer over the gapless global log, started at the
 * first client from the head of the log, fanning each batch out to that tenant's clients as one
 * message serialised once. The tailer reads as soon as the log signal announces a commit (from any
 * process, through Redis) and otherwise every `pollIntervalMs`, so a lost announcement delays a
 * delta, never loses it; an announced append not yet visible below the log's horizon is re-read
 * after 5, 10, 20… ms. View counts are summed per tenant and content and sent each second.
 *
 * @example const hub = liveHub(db, app.log, { signal: app.logSignal }); await hub.join(liveClient(socket, tenant, null));
 */
export function liveHub(db: Db, log: FastifyBaseLogger, options: HubOptions = {}): LiveHub {
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const batchSize = options.batchSize ?? 1_000;
  const tenants = new Map<string, Set<LiveClient>>();
  const held = new Map<LiveClient, Tagged[]>();
  let views = new Map<string, Map<string, number>>();
  let started: Promise<void> | null = null;
  let closed = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};

  /** Set by a wake-up that arrives while a read runs: that read's snapshot may predate the commit. */
  let woken = false;
  /** The furthest position announced and not yet read. */
  let wanted: LogPosition | null = null;
  let interrupt: (() => void) | null = null;
  const wake = (position: LogPosition | null) => {
    woken = true;
    if (position && (!wanted || isAfter(position, wanted))) wanted = position;
    interrupt?.();
  };
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => interrupt!(), ms).unref();
      interrupt = () => {
        clearTimeout(timer);
        interrupt = null;
        resolve();
      };
    });

  const dispatch = (events: readonly RecordedEvent[]) => {
    for (const [tenant, deltas] of byTenant(events)) {
      const clients = tenants.get(tenant);
      if (!clients) continue;
      const encoded = Buffer.from(JSON.stringify({ type: 'deltas', position: deltas[deltas.length - 1]!.delta.position, deltas: deltas.map((d) => d.delta) }));
      for (const client of clients) {
        const waiting = held.get(client);
        if (waiting && waiting.length + deltas.length > MAX_HELD) client.drop();
        else if (waiting) waiting.push(...deltas);
        else client.deliver(deltas, encoded);
      }
      const sent = Date.now();
      for (const { delta } of deltas) options.observeDelivery?.((sent - Date.parse(delta.recordedAt)) / 1000);
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
    let chase = CHASE_MS;
    while (!closed) {
      try {
        woken = false;
        const batch = await readAllEvents(db, { after, limit: batchSize });
        if (batch.length > 0) {
          after = batch[batch.length - 1]!.position;
          dispatch(batch);
        }
        if (wanted && !isAfter(wanted, after)) wanted = null;
        if (!wanted) chase = CHASE_MS;
        if (batch.length === batchSize || woken) continue;
        if (wanted && chase < pollIntervalMs) {
          await idle(chase);
          chase *= 2;
          continue;
        }
        wanted = null;
        await idle(pollIntervalMs);
      } catch (error) {
        log.warn({ err: error }, 'live feed: reading the log failed, retrying');
        await idle(1_000);
      }
    }
  };

  const start = () =>
    (started ??= (async () => {
      const head = await readHeadPosition(db).catch((error: unknown) => {
        started = null;
        throw error;
      });
      if (options.signal) {
        unsubscribe = await options.signal.subscribe(wake).catch((error: unknown) => {
          log.warn({ err: error }, 'live feed: no log signal, polling only');
          return () => {};
        });
      }
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
      unsubscribe();
      interrupt?.();
      for (const timer of timers) clearInterval(timer);
    },
    get clients() {
      let n = 0;
      for (const clients of tenants.values()) n += clients.size;
      return n;
    },
  };
}
