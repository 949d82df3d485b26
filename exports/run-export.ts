import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { sql } from 'kysely';
import { withReadScope } from '../projections/read-scope.ts';
import type { Db } from '../platform/database.ts';
import { DATASET_QUERIES } from './datasets.ts';
import { encodeRows, type ExportRow } from './encode.ts';
import { renewExportLease, type ExportJob } from './jobs.ts';
import type { ExportStore } from './object-store.ts';

/** Rows fetched from the cursor at a time (the only rows held in memory, with the gzip and upload buffers). */
export const EXPORT_FETCH_ROWS = 1_000;

/** The job's lease expired and another worker claimed it: this run stops without touching the job. */
export class ExportLeaseLost extends Error {
  override name = 'ExportLeaseLost';
}

export interface RunExportDeps {
  db: Db;
  store: ExportStore;
  worker: string;
  leaseSeconds: number;
}

/** Where a job's file goes: `<tenant>/<export id>/<dataset>.<format>.gz`. */
export const exportObjectKey = (job: Pick<ExportJob, 'tenant_id' | 'id' | 'dataset' | 'format'>) => `${job.tenant_id}/${job.id}/${job.dataset}.${job.format}.gz`;

/**
 * Writes one claimed job to the bucket: a server-side cursor over the dataset, in one read-only
 * transaction as `substream_api` with the job's tenant set (row-level security decides every
 * row), encoded, gzipped and uploaded by multipart as the rows arrive. Each fetched batch
 * records progress and renews the lease; losing it throws ExportLeaseLost.
 *
 * @example const { rows, bytes, objectKey } = await runExport({ db, store, worker, leaseSeconds: 60 }, job);
 */
export async function runExport(deps: RunExportDeps, job: ExportJob): Promise<{ rows: bigint; bytes: bigint; objectKey: string }> {
  const { columns, query } = DATASET_QUERIES[job.dataset];
  const range = { from: job.from_at === null ? null : new Date(job.from_at), to: job.to_at === null ? null : new Date(job.to_at) };
  const objectKey = exportObjectKey(job);
  let rows = 0n;
  let bytes = 0n;
  await withReadScope(deps.db, { tenantId: job.tenant_id }, async (trx) => {
    await sql`declare export_rows no scroll cursor for ${query(range)}`.execute(trx);
    async function* batches(): AsyncGenerator<ExportRow[]> {
      for (;;) {
        const { rows: batch } = await sql<ExportRow>`fetch ${sql.raw(String(EXPORT_FETCH_ROWS))} from export_rows`.execute(trx);
        if (batch.length === 0) return;
        rows += BigInt(batch.length);
        if (!(await renewExportLease(deps.db, job.id, deps.worker, deps.leaseSeconds, rows))) throw new ExportLeaseLost(`export ${job.id}: lease lost`);
        yield batch;
      }
    }
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += BigInt(chunk.length);
        done(null, chunk);
      },
    });
    const body = new PassThrough();
    const piping = pipeline(Readable.from(encodeRows(job.format, columns, batches())), createGzip(), counted, body);
    const uploading = deps.store.upload(objectKey, body).catch((error: unknown) => {
      body.destroy(error as Error);
      throw error;
    });
    const [piped, uploaded] = await Promise.allSettled([piping, uploading]);
    if (piped.status === 'rejected') throw piped.reason;
    if (uploaded.status === 'rejected') throw uploaded.reason;
  });
  return { rows, bytes, objectKey };
}
