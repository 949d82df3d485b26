import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IsoTimeOrDate } from '../../commands/schemas.ts';
import { MAX_VIEW_BATCH, parseViewBatch, recordViewEvents, ViewEventInput } from '../../commands/record-view-events.ts';
import { creatorSeries, creatorSnapshot, heatmap } from '../../projections/analytics/queries.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { commandContext } from '../command-context.ts';
import { ApiError } from '../errors.ts';
import { tenantOf } from '../auth/principal.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { errorResponses } from '../schemas/common.ts';

const Token = z.string().nullable().describe('the token\'s contract id (C…); `currency:<CODE>` for card money (ISO 4217); null when no fact named it');
const TokenAmount = z.object({
  token: Token,
  amount: z.string().describe('stroops of that token, or minor units (cents) of that card currency; decimal string'),
}).meta({ id: 'TokenAmount' });
const Counts = z.object({ active: z.number().int(), trialing: z.number().int(), grace: z.number().int(), cancelled: z.number().int() });
const TokenChurn = z.object({ token: Token, cancelled: z.number().int(), activeAtStart: z.number().int(), rate: z.number().nullable() }).meta({ id: 'TokenChurn' });
const SeriesPoint = z.object({
  start: z.string(),
  end: z.string(),
  count: z.number().int().optional(),
  byToken: z.array(TokenAmount).optional().describe('mrr, revenue, withdrawals: one amount per token, never a sum across tokens'),
  cancelled: z.number().int().optional(),
  activeAtStart: z.number().int().optional(),
  rate: z.number().nullable().optional(),
  churnByToken: z.array(TokenChurn).optional().describe('churn per token and per card currency (each cancelled subscription under its token at its cancellation)'),
}).meta({ id: 'AnalyticsSeriesPoint' });
const MAX_BUCKETS = 1_000;

/** Analytics: view-event ingest, content heatmaps, creator counts, MRR, churn and revenue. */
const analytics: FastifyPluginAsyncZod = async (app) => {
  const read = { policy: { auth: 'required', scopes: ['analytics:read'], tenant: true } satisfies RoutePolicy };
  const write = { policy: { auth: 'required', scopes: ['analytics:write'], tenant: true } satisfies RoutePolicy };
  const security = [{ bearer: [] }];
  const tags = ['analytics'];

  app.post('/analytics/view-events', {
    config: write,
    schema: {
      tags, security,
      description: `Up to ${MAX_VIEW_BATCH} view events, stored with one append (one ViewEventsRecorded per content) or not at all. ` +
        'Each item is a ViewEvent; any bad item rejects the batch with 400 and `details: [{ index, path, reason }]`.',
      body: z.object({ events: z.array(z.unknown()).min(1).max(MAX_VIEW_BATCH).describe('ViewEvent items') }),
      response: { 202: z.object({ accepted: z.number().int(), contents: z.number().int() }), ...errorResponses },
    },
  }, async (request, reply) => {
    const parsed = parseViewBatch(request.body.events);
    if (!parsed.ok) throw new ApiError(400, 'VALIDATION.FAILED', `${new Set(parsed.bad.map((b) => b.index)).size} view events are not valid: nothing was stored`, parsed.bad);
    const tenantId = tenantOf(request);
    const key = request.headers['idempotency-key'];
    const result = await recordViewEvents({ store: app.services.eventStore }, parsed.items, { ...commandContext(request, tenantId), tenantId },
      typeof key === 'string' ? key : undefined);
    return reply.code(202).send({ accepted: result.accepted, contents: result.contents });
  });

  app.get('/analytics/heatmap/:contentId', {
    config: { policy: { ...read.policy, reads: ['view-heatmap'] } },
    schema: {
      tags, security,
      params: z.object({ contentId: ViewEventInput.shape.contentId }),
      querystring: z.object({ bucket: z.coerce.number().int().min(1).max(3_600).default(5).describe('bucket width in seconds of position') }),
      response: {
        200: z.object({
          contentId: z.string(),
          bucketSeconds: z.number().int(),
          buckets: z.array(z.object({ startSecond: z.number().int(), watchedSeconds: z.number(), views: z.number().int() })),
        }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const { contentId } = request.params;
    const bucketSeconds = request.query.bucket;
    const buckets = await withReadScope(app.services.db, { tenantId: tenantOf(request) }, (trx) => heatmap(trx, contentId, bucketSeconds));
    return { contentId, bucketSeconds, buckets };
  });

  app.get('/analytics/creators/me', {
    config: { policy: { ...read.policy, reads: ['creator-analytics'] } },
    schema: {
      tags, security,
      description: 'Subscriptions by latest status (in all, and per token or card currency) and MRR per token (Σ active ratePerSecond × 2,592,000: ' +
        'a 30-day month, stroops) and per card currency (`currency:<CODE>`: Σ active monthly prices, minor units), decimal strings, never added across them.',
      response: {
        200: z.object({ tenantId: z.string(), counts: Counts, mrr: z.array(TokenAmount), countsByToken: z.array(Counts.extend({ token: Token })) }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    return { tenantId, ...(await withReadScope(app.services.db, { tenantId }, (trx) => creatorSnapshot(trx))) };
  });

  app.get('/analytics/creators/me/series', {
    config: { policy: { ...read.policy, reads: ['creator-analytics'] } },
    schema: {
      tags, security,
      description: 'One metric per whole UTC bucket (weeks start Monday) covering [from, to): active and mrr at each bucket end, ' +
        'revenue and withdrawals summed in it per token (`byToken`, only tokens with an amount; card money under `currency:<CODE>`), ' +
        'churn = subscriptions cancelled in it ÷ active at its start, in all and per token or currency (`churnByToken`). ' +
        'Amounts of different tokens or currencies are never added together.',
      querystring: z.object({
        metric: z.enum(['mrr', 'active', 'churn', 'revenue', 'withdrawals']),
        from: IsoTimeOrDate,
        to: IsoTimeOrDate,
        bucket: z.enum(['day', 'week', 'month']).default('day'),
      }),
      response: { 200: z.object({ metric: z.string(), bucket: z.string(), points: z.array(SeriesPoint) }), ...errorResponses },
    },
  }, async (request) => {
    const { metric, bucket } = request.query;
    const from = new Date(request.query.from);
    const to = new Date(request.query.to);
    if (!(from < to)) throw new ApiError(400, 'VALIDATION.FAILED', '`from` must be before `to`', [{ path: '/from', message: 'must be before to' }]);
    const days = (to.getTime() - from.getTime()) / 86_400_000;
    if (days / (bucket === 'day' ? 1 : bucket === 'week' ? 7 : 28) > MAX_BUCKETS) {
      throw new ApiError(400, 'VALIDATION.FAILED', `at most ${MAX_BUCKETS} buckets per request`, [{ path: '/to', message: 'range too long for the bucket' }]);
    }
    const points = await withReadScope(app.services.db, { tenantId: tenantOf(request) }, (trx) => creatorSeries(trx, metric, from, to, bucket));
    return { metric, bucket, points };
  });
};

export default analytics;
