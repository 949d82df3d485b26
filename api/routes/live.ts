import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { liveClient, type LiveSocket } from '../live/client.ts';
import { liveHub, type HubOptions } from '../live/hub.ts';
import { decodePosition, encodePosition } from '../live/messages.ts';
import { policyError, type RoutePolicy } from '../plugins/route-policy.ts';

export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_BAD_REQUEST = 4400;

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
  app.addHook('onClose', async () => hub.close());

  app.get('/analytics/live', { websocket: true, config: { policy: POLICY }, schema: { hide: true } }, async (socket, request) => {
    const ws = socket as unknown as LiveSocket & { on(event: string, fn: () => void): void };
    const refused = policyError(POLICY, request);
    if (refused) return ws.close(refused.statusCode === 401 ? CLOSE_UNAUTHENTICATED : CLOSE_FORBIDDEN, refused.code);
    const tenant = request.principal!.tenant!;
    const query = Query.safeParse(request.query);
    const since = query.success && query.data.since !== undefined ? decodePosition(query.data.since) : null;
    if (!query.success || (query.data.since !== undefined && !since)) return ws.close(CLOSE_BAD_REQUEST, 'VALIDATION.SINCE');

    const client = liveClient(ws, tenant, since);
    app.metrics.websocketClients.inc();
    ws.on('pong', () => client.pong());
    let gone = false;
    ws.on('close', () => {
      gone = true;
      hub.leave(client);
      app.metrics.websocketClients.dec();
    });
    try {
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
