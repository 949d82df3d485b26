import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getExport, listExports, queueExport, type ExportJob } from '../../exports/jobs.ts';
import { EXPORT_URL_TTL_SECONDS, exportStore, type ExportStore } from '../../exports/object-store.ts';
import { tenantOf } from '../auth/principal.ts';
import { ApiError } from '../errors.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';
import { CreateExportInput, ExportView } from '../schemas/export.ts';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

async function view(store: ExportStore, job: ExportJob): Promise<z.infer<typeof ExportView>> {
  const ready = job.status === 'ready' && job.object_key !== null;
  return {
    exportId: job.id,
    dataset: job.dataset,
    format: job.format,
    from: iso(job.from_at),
    to: iso(job.to_at),
    status: job.status,
    progress: { rows: String(job.rows_written) },
    attempts: job.attempts,
    ...(ready ? { url: await store.presign(job.object_key!), urlExpiresAt: new Date(Date.now() + EXPORT_URL_TTL_SECONDS * 1000).toISOString() } : {}),
    bytes: job.bytes === null ? null : String(job.bytes),
    reason: job.reason,
    createdAt: iso(job.created_at)!,
    finishedAt: iso(job.finished_at),
  };
}

/** Data exports of the caller's tenant to EXPORT_S3_BUCKET: queued here, run by the export worker (exports/worker.ts). */
const exports: FastifyPluginAsyncZod = async (app) => {
  const read = { policy: { auth: 'required', scopes: ['exports:read'], tenant: true } satisfies RoutePolicy };
  const write = { policy: { auth: 'required', scopes: ['exports:write'], tenant: true } satisfies RoutePolicy };
  const security = [{ bearer: [] }];
  const tags = ['exports'];
  const store = exportStore(app.services.config);
  if (store) app.addHook('onClose', async () => store.destroy());
  const enabled = (): ExportStore => {
    if (!store) throw new ApiError(503, 'EXPORTS.DISABLED', 'data exports are not configured on this server (EXPORT_S3_BUCKET)');
    return store;
  };

  app.post('/exports', {
    config: write,
    schema: {
      tags, security, headers: IdempotencyHeaders, body: CreateExportInput,
      description: 'Queues an export of one dataset of the caller\'s tenant; poll `GET /v1/exports/:id`. 503 EXPORTS.DISABLED without EXPORT_S3_BUCKET.',
      response: { 202: z.object({ exportId: z.uuid(), status: z.literal('queued') }), ...errorResponses },
    },
  }, async (request, reply) => {
    enabled();
    const { dataset, format, from, to } = request.body;
    const job = await queueExport(app.services.db, tenantOf(request), { dataset, format, from: from ? new Date(from) : null, to: to ? new Date(to) : null });
    return reply.code(202).send({ exportId: job.id, status: 'queued' as const });
  });

  app.get('/exports/:id', {
    config: read,
    schema: {
      tags, security, params: z.object({ id: z.uuid() }),
      description: 'queued; running with `progress.rows`; ready with a presigned `url` valid 24 h; failed with a `reason`. Another tenant\'s export is 404.',
      response: { 200: ExportView, ...errorResponses },
    },
  }, async (request) => {
    const bucket = enabled();
    const job = await getExport(app.services.db, tenantOf(request), request.params.id);
    if (!job) throw new ApiError(404, 'EXPORT.NOT_FOUND', 'no such export');
    return view(bucket, job);
  });

  app.get('/exports', {
    config: read,
    schema: {
      tags, security, querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      description: 'The tenant\'s exports, newest first.',
      response: { 200: z.object({ items: z.array(ExportView) }), ...errorResponses },
    },
  }, async (request) => {
    const bucket = enabled();
    const jobs = await listExports(app.services.db, tenantOf(request), request.query.limit);
    return { items: await Promise.all(jobs.map((job) => view(bucket, job))) };
  });
};

export default exports;
