import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import { projectionStatus } from '../../projections/status.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';

const Health = z.object({ status: z.literal('ok') });
const Ready = z.object({
  status: z.enum(['ready', 'not_ready']),
  database: z.enum(['up', 'down']),
  projections: z.array(
    z.object({
      name: z.string(), state: z.string(), lagEvents: z.number(), lagSeconds: z.number(), lastError: z.string().nullable(),
      haltedAt: z.object({ position: z.string(), type: z.string(), streamId: z.string(), eventId: z.string(), error: z.string() }).nullable()
        .describe('the event this read model halted before: it serves stale data until `substream projections retry|skip`'),
      parked: z.number().int().describe('events this read model set aside (policy park), not resolved yet'),
    }),
  ),
});

/**
 * `/health`: the process is alive. `/ready`: the database answers and projections keep up. A
 * build-aside rebuild (`<name>:rebuild`) is listed but never makes the instance unready: the live
 * model keeps serving until the swap, however far behind or failed the rebuild is. Nor does a
 * projector stopped on an event (`failed`): that is one read model halted, not this instance unable
 * to serve; it is reported per projector (`state`, `haltedAt`, `parked`), and the others keep serving.
 */
const health: FastifyPluginAsyncZod<{ maxLagEvents: number }> = async (app, { maxLagEvents }) => {
  const probe = { policy: { auth: 'public', rateLimit: 'exempt' } satisfies RoutePolicy };
  app.get('/health', { config: probe, schema: { tags: ['ops'], response: { 200: Health } } }, async () => ({ status: 'ok' as const }));

  app.get('/ready', { config: probe, schema: { tags: ['ops'], response: { 200: Ready, 503: Ready } } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(app.services.db);
    } catch {
      return reply.code(503).send({ status: 'not_ready', database: 'down', projections: [] });
    }
    const status = await projectionStatus(app.services.db);
    const projections = status.map((p) => ({
      name: p.name, state: p.state, lagEvents: p.lagEvents, lagSeconds: p.lagSeconds, lastError: p.lastError, haltedAt: p.haltedAt, parked: p.parked,
    }));
    const ok = status.every((p) => p.rebuildOf !== null || p.state === 'failed' || p.lagEvents <= maxLagEvents);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', database: 'up', projections });
  });
};

export default health;
