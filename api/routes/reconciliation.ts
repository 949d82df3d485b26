import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { reconciliationContract } from '../../reconciliation/contract-config.ts';
import { reconcileTenant } from '../../reconciliation/run.ts';
import { getRun, listRuns, type ReconciliationRun } from '../../reconciliation/runs.ts';
import type { ReconciliationReport } from '../../reconciliation/types.ts';
import { tenantOf } from '../auth/principal.ts';
import { ApiError } from '../errors.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';
import { CreateReconciliationInput, ReconciliationRunView } from '../schemas/reconciliation.ts';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
const day = (value: Date | string | null) => (value === null ? null : typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10));

function view(run: Omit<ReconciliationRun, 'report'> & { report?: unknown }): z.infer<typeof ReconciliationRunView> {
  return {
    runId: run.id,
    trigger: run.trigger,
    from: day(run.from_day),
    to: day(run.to_day),
    status: run.status,
    complete: run.complete,
    discrepancies: run.discrepancies,
    reason: run.reason,
    createdAt: iso(run.created_at)!,
    finishedAt: iso(run.finished_at),
    ...(run.report ? { report: run.report as ReconciliationReport } : {}),
  };
}

/** Reconciliation of the caller's own books (reconciliation/run.ts): run now, read back later. */
const reconciliation: FastifyPluginAsyncZod = async (app) => {
  const read = { policy: { auth: 'required', scopes: ['reconciliation:read'], tenant: true } satisfies RoutePolicy };
  const write = { policy: { auth: 'required', scopes: ['reconciliation:write'], tenant: true } satisfies RoutePolicy };
  const security = [{ bearer: [] }];
  const tags = ['reconciliation'];
  const contract = reconciliationContract(app.services.config);

  app.post('/reconciliation/runs', {
    config: write,
    schema: {
      tags, security, headers: IdempotencyHeaders, body: CreateReconciliationInput,
      description: 'Reconciles the caller\'s books now: the chain bills in the event log against the read models and, when configured, the contract. '
        + 'Differences are appended as `ReconciliationDiscrepancyFound` events. 201 with the finished run and its report.',
      response: { 201: ReconciliationRunView, ...errorResponses },
    },
  }, async (request, reply) => {
    const range = { from: request.body.from ?? null, to: request.body.to ?? null };
    const run = await reconcileTenant({ db: app.services.db, eventStore: app.services.eventStore, contract }, tenantOf(request), 'api', range);
    return reply.code(201).send(view(run));
  });

  app.get('/reconciliation/runs/:id', {
    config: read,
    schema: {
      tags, security, params: z.object({ id: z.uuid() }),
      description: 'One run with its report (see README, "Reconciliation"). Another tenant\'s run is 404.',
      response: { 200: ReconciliationRunView, ...errorResponses },
    },
  }, async (request) => {
    const run = await getRun(app.services.db, tenantOf(request), request.params.id);
    if (!run) throw new ApiError(404, 'RECONCILIATION.NOT_FOUND', 'no such reconciliation run');
    return view(run);
  });

  app.get('/reconciliation/runs', {
    config: read,
    schema: {
      tags, security, querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      description: 'The tenant\'s runs, newest first, without their reports (API, CLI and the daily job alike).',
      response: { 200: z.object({ items: z.array(ReconciliationRunView) }), ...errorResponses },
    },
  }, async (request) => ({ items: (await listRuns(app.services.db, tenantOf(request), request.query.limit)).map(view) }));
};

export default reconciliation;
