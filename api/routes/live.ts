import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { countEventsAfter } from '../../eventstore/postgres/read.ts';
import { CLOSE_UNAUTHENTICATED, liveAuthority } from '../live/authority.ts';
import { liveClient, type LiveSocket } from '../live/client.ts';
import { liveHub, type HubOptions } from '../live/hub.ts';
import { decodePosition, encodePosition } from '../live/messages.ts';
import { localTenantSlots, sharedTenantSlots } from '../live/tenant-slots.ts';
import { policyError, type RoutePolicy } from '../plugins/route-policy.ts';

export { CLOSE_UNAUTHENTICATED };
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_BAD_REQUEST = 4400;
export const CLOSE_TOO_MANY_CONNECTIONS = 4409;
export const CLOSE_REPLAY_TOO_DEEP = 4410;

/** WebSocket.OPEN. */
const WS_OPEN = 1;
const Query = z.object({ since: z.string().max(64).optional() });
const POLICY: RoutePolicy = { auth: 'required', scopes: ['analytics:read'], tenant: true };

/**
 * `GET /v1/analytics/live` (WebSocket): the tenant's live deltas — subscriptions activated,
 * billed and cancelled, streams withdrawn — and per-content view counts each second. Auth by
 * `Authorization: Bearer …` / `X-API-Key` or, from a browser, the subprotocols
 * `["bearer", "<token>"]` (the server answers `bearer`). The route's policy is checked by its
 * handler: a refusal closes with 4401 (credential) or 4403 (scope or tenant) and the error code. `?since=<position>`
 * replays from the log what came after that position, then goes live (a `ready` message marks
 * the seam). Ping every 30 s; a socket that misses a pong is terminated.
 *
 * Limits: the feed closes with 4401 AUTH.TOKEN_EXPIRED at the JWT's `exp` and 4401
 * AUTH.API_KEY_REVOKED once its API key is revoked (see live/authority.ts); a tenant holds at most
 * LIVE_MAX_CONNECTIONS_PER_TENANT connections per instance (more: 4409 LIVE.TOO_MANY_CONNECTIONS);
 * a `since` followed by more than LIVE_MAX_REPLAY events of the log closes with 4410
 * LIVE.REPLAY_TOO_DEEP: page the REST read models instead, then connect without `since`.
 */
const live: FastifyPluginAsync<HubOptions> = async (app, options) => {
  await app.register(websocket, {
    options: {
      maxPayload: 4 * 1024,
      handleProtocols: (protocols: Set<string>) => (protocols.has('bearer') ? 'bearer' : false),
    },
  });
  const hub = liveHub(app.services.db, app.log, {
    pollIntervalMs: app.services.config.LIVE_FALLBACK_POLL_MS,
    ...options,
    signal: app.logSignal,
    observeDelivery: (seconds) => app.metrics.liveDelivery.observe(seconds),
  });
  const { config } = app.services;
  const authority = liveAuthority(app.services.db, app.bus, {
    recheckMs: config.LIVE_AUTH_RECHECK_MS,
    onError: (error) => app.log.warn({ err: error }, 'live feed: rechecking API keys failed'),
  });
  const slots = app.redis
    ? sharedTenantSlots(app.redis, config.REDIS_KEY_PREFIX, config.LIVE_MAX_CONNECTIONS_PER_TENANT, (reason) => app.redisFallback('live-slots', reason))
    : localTenantSlots(config.LIVE_MAX_CONNECTIONS_PER_TENANT);
  app.addHook('onClose', async () => (hub.close(), authority.close(), slots.close()));

  app.get('/analytics/live', { websocket: true, config: { policy: POLICY }, schema: { hide: true } }, async (socket, request) => {
    const ws = socket as unknown as LiveSocket & { on(event: string, fn: () => void): void };
    const refused = policyError(POLICY, request);
    if (refused) return ws.close(refused.statusCode === 401 ? CLOSE_UNAUTHENTICATED : CLOSE_FORBIDDEN, refused.code);
    const principal = request.principal!;
    const tenant = principal.tenant!;
    const query = Query.safeParse(request.query);
    const since = query.success && query.data.since !== undefined ? decodePosition(query.data.since) : null;
    if (!query.success || (query.data.since !== undefined && !since)) return ws.close(CLOSE_BAD_REQUEST, 'VALIDATION.SINCE');

    const release = await slots.take(tenant);
    if (!release) return ws.close(CLOSE_TOO_MANY_CONNECTIONS, 'LIVE.TOO_MANY_CONNECTIONS');
    // Gone while the slot was being taken: its close event has passed, so give the slot back now.
    if (ws.readyState !== WS_OPEN) return release();
    const client = liveClient(ws, tenant, since);
    app.metrics.websocketClients.inc();
    ws.on('pong', () => client.pong());
    let gone = false;
    const unwatch = authority.watch({ apiKeyId: principal.apiKeyId, tenant, expiresAt: principal.expiresAt, close: (code, reason) => ws.close(code, reason) });
    ws.on('close', () => {
      gone = true;
      unwatch();
      release();
      hub.leave(client);
      app.metrics.websocketClients.dec();
    });
    try {
      if (since && (await countEventsAfter(app.services.db, since, config.LIVE_MAX_REPLAY + 1)) > config.LIVE_MAX_REPLAY) {
        return ws.close(CLOSE_REPLAY_TOO_DEEP, 'LIVE.REPLAY_TOO_DEEP: page the REST API, then reconnect without since');
      }
      if (gone) return;
      const { replayed } = await hub.join(client);
      if (gone) return hub.leave(client);
      client.send({ type: 'ready', position: client.cursor ? encodePosition(client.cursor) : null, replayed });
    } catch (error) {
      request.log.error({ err: error }, 'live feed: join failed');
      ws.close(1011, 'INTERNAL');
    }
  });
};

export default live;
