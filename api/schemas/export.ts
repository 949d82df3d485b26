import { z } from 'zod';
import { DATASETS, TIMELESS_DATASETS } from '../../exports/datasets.ts';

export const ExportDataset = z.enum(DATASETS).meta({ id: 'ExportDataset' });
export const ExportFormat = z.enum(['csv', 'json', 'ndjson']).meta({ id: 'ExportFormat' });

export const CreateExportInput = z
  .object({
    dataset: ExportDataset,
    format: ExportFormat,
    from: z.iso.datetime({ offset: true }).optional().describe('inclusive lower bound of the rows\' time'),
    to: z.iso.datetime({ offset: true }).optional().describe('exclusive upper bound of the rows\' time'),
  })
  .strict()
  .refine((input) => !input.from || !input.to || Date.parse(input.from) < Date.parse(input.to), { message: '`from` must be before `to`', path: ['to'] })
  .refine((input) => !TIMELESS_DATASETS.includes(input.dataset) || (!input.from && !input.to), { message: 'this dataset holds totals with no time: no range applies', path: ['from'] })
  .meta({ id: 'CreateExportInput' });

export const ExportView = z
  .object({
    exportId: z.uuid(),
    dataset: ExportDataset,
    format: ExportFormat,
    from: z.string().nullable(),
    to: z.string().nullable(),
    status: z.enum(['queued', 'running', 'ready', 'failed', 'expired']).describe('expired: past EXPORT_TTL_HOURS after ready, its file deleted'),
    progress: z.object({ rows: z.string().describe('rows written so far (all of them once ready), a decimal string') }),
    attempts: z.number().int(),
    url: z.string().optional().describe('ready only: a presigned GET of the gzipped file, valid 24 h from this response'),
    urlExpiresAt: z.string().optional(),
    bytes: z.string().nullable().describe('ready only: size of the gzipped file'),
    reason: z.string().nullable().describe('failed only: why'),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'Export' });
