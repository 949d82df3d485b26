import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RoutePolicy } from '../plugins/route-policy.ts';

const Health = z.object({ status: z.literal('ok') });
const Ready = z.object({
  status: z.enum(['ready', 'not_ready']),
  database: z.enum(['up', 'down']).describe('`down`: this instance cannot serve (503)'),
  readModels: z.enum(['current', 'stale']).describe('`stale`: some read model is halted or behind; the instance still serves (200)'),
  checkedAt: z.string().nullable().describe('when the background monitor took this state (READY_REFRESH_MS)'),
  projections: z.array(
    z.object({
      name: z.string(), state: z.string(), lagEvents: z.number(), lagSeconds: z.number(), lastError: z.string().nullable(),
      haltedAt: z.object({ position: z.string(), type: z.string(), streamId: z.string(), eventId: z.string(), error: z.string() }).nullable()
        .describe('the event this read model halted before: it serves stale data until `substream projections retry|skip`'),
      parked: z.number().int().describe('events this read model set aside (policy park), not resolved yet'),
      stale: z.boolean().describe('failed, or behind by more than READY_MAX_LAG_EVENTS (a build-aside rebuild never is)'),
    }),
  ),
});

/**
 * `/health`: the process is alive. `/ready`: the readiness monitor's cached state (no I/O per
 * call, see plugins/readiness.ts). 503 only when this instance cannot serve (the database did not
 * answer the last check); a read model that is halted (`failed`) or behind is `stale`, reported
 * per projector (`state`, `haltedAt`, `parked`, `stale`) with 200: the others keep serving, and
 * one halted projector does not take every instance out of the load balancer at once.
 */
const health: FastifyPluginAsyncZod = async (app) => {
  const probe = { policy: { auth: 'public', rateLimit: 'exempt' } satisfies RoutePolicy };
  app.get('/health', { config: probe, schema: { tags: ['ops'], response: { 200: Health } } }, async () => ({ status: 'ok' as const }));

  app.get('/ready', { config: probe, schema: { tags: ['ops'], response: { 200: Ready, 503: Ready } } }, async (_request, reply) => {
    const state = app.readiness.current();
    const up = state.database === 'up';
    return reply.code(up ? 200 : 503).send({ status: up ? 'ready' : 'not_ready', ...state });
  });
};

export default health;
