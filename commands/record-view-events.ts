import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { viewBatchStreamId, type ViewEventsRecorded, type ViewReport } from '../domain/analytics/events.ts';
import { WrongExpectedRevision } from '../eventstore/errors.ts';
import type { EventStore, NewEvent } from '../eventstore/types.ts';
import type { CommandContext } from './context.ts';
import { isoTime } from './schemas.ts';

export const MAX_VIEW_BATCH = 500;

export const ViewEventInput = z
  .strictObject({
    contentId: z.string().min(1).max(200).regex(/^[A-Za-z0-9._:~-]+$/, 'letters, digits and . _ : ~ - only'),
    viewer: z.string().min(1).max(200).refine((v) => !v.includes('\u0000'), 'must not hold a NUL character').optional(),
    positionSeconds: z.number().finite().min(0).max(86_400 * 7),
    watchedSeconds: z.number().finite().min(0).max(86_400),
    at: isoTime({ offset: true }),
  })
  .meta({ id: 'ViewEvent' });
export type ViewEventInput = z.infer<typeof ViewEventInput>;

const KEYS = new Set(['contentId', 'viewer', 'positionSeconds', 'watchedSeconds', 'at']);
const CONTENT_ID = /^[A-Za-z0-9._:~-]{1,200}$/;
/** UTC with up to milliseconds, days 01–28 only (valid in every month), from 1970 (the time range): the rest goes to zod. */
const UTC_MS = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,3})?Z$/;

/**
 * The common well-formed item, checked without building zod issues. Accepts only what
 * `ViewEventInput` accepts too (a property test holds it to that); anything else goes to zod,
 * which decides and explains.
 */
export function isPlainViewEvent(item: unknown): item is ViewEventInput {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const v = item as Record<string, unknown>;
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) if (!KEYS.has(keys[i]!)) return false;
  const { contentId, viewer, positionSeconds: p, watchedSeconds: w, at } = v;
  return typeof contentId === 'string' && CONTENT_ID.test(contentId)
    && (viewer === undefined || (typeof viewer === 'string' && viewer.length >= 1 && viewer.length <= 200 && !viewer.includes('\u0000')))
    && typeof p === 'number' && Number.isFinite(p) && p >= 0 && p <= 86_400 * 7
    && typeof w === 'number' && Number.isFinite(w) && w >= 0 && w <= 86_400
    && typeof at === 'string' && UTC_MS.test(at) && at >= '1970';
}

export interface BadItem {
  index: number;
  path: string;
  reason: string;
}

/**
 * Validates every item of a batch; any bad item rejects the batch and is listed with its index.
 *
 * @example const parsed = parseViewBatch(body.events); if (!parsed.ok) reply400(parsed.bad);
 */
export function parseViewBatch(items: readonly unknown[]): { ok: true; items: ViewEventInput[] } | { ok: false; bad: BadItem[] } {
  const good: ViewEventInput[] = [];
  const bad: BadItem[] = [];
  items.forEach((item, index) => {
    if (isPlainViewEvent(item)) {
      good.push(item);
      return;
    }
    const parsed = ViewEventInput.safeParse(item);
    if (parsed.success) good.push(parsed.data);
    else for (const issue of parsed.error.issues) bad.push({ index, path: `/${issue.path.join('/')}`, reason: issue.message });
  });
  return bad.length > 0 ? { ok: false, bad } : { ok: true, items: good };
}

/**
 * The batch's stream id part: random without a key; with an Idempotency-Key, a UUID-shaped digest
 * of the tenant, the key and the items, so a retry of the same batch lands on the same stream
 * while the same key with other items (after the key's 24 h record expired) is a new batch.
 */
function batchId(tenantId: string, items: readonly ViewEventInput[], idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  // A fixed field order: the same batch with its keys in another order is the same batch.
  const canonical = JSON.stringify(items.map((i) => [i.contentId, i.viewer ?? null, i.positionSeconds, i.watchedSeconds, i.at]));
  const hex = createHash('sha256').update(`${tenantId}\n${idempotencyKey}\n${canonical}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Stores a validated batch with ONE append: one `ViewEventsRecorded` per content item, all in a
 * fresh stream of their own, so the batch is stored whole or not at all. With an Idempotency-Key
 * the stream is keyed by the batch, and a batch already stored is not stored again
 * (`replayed: true`), even when the first attempt died before its response was recorded.
 *
 * @example const { streamId, replayed } = await recordViewEvents({ store }, items, context, request.headers['idempotency-key']);
 */
export async function recordViewEvents(
  deps: { store: EventStore },
  items: readonly ViewEventInput[],
  context: CommandContext & { tenantId: string },
  idempotencyKey?: string,
): Promise<{ streamId: string; accepted: number; contents: number; replayed: boolean }> {
  const byContent = new Map<string, ViewReport[]>();
  for (const item of items) {
    const views = byContent.get(item.contentId) ?? [];
    if (views.length === 0) byContent.set(item.contentId, views);
    // Watched time is kept to the millisecond: the heatmap sums it exactly as integer milliseconds.
    views.push({ viewer: item.viewer ?? null, positionSeconds: item.positionSeconds, watchedSeconds: Math.round(item.watchedSeconds * 1000) / 1000, at: item.at });
  }
  const events: NewEvent[] = [...byContent].map(([contentId, views]) => {
    const data: ViewEventsRecorded['data'] = { tenantId: context.tenantId, contentId, receivedAt: context.now, views };
    return {
      id: randomUUID(),
      type: 'ViewEventsRecorded',
      data,
      metadata: { source: 'command', tenantId: context.tenantId, correlationId: context.correlationId, actor: context.actor },
    };
  });
  const streamId = viewBatchStreamId(context.tenantId, batchId(context.tenantId, items, idempotencyKey));
  const result = { streamId, accepted: items.length, contents: byContent.size };
  try {
    await deps.store.append(streamId, events, { expectedRevision: 'no_stream' });
  } catch (error) {
    // Only a keyed batch can find its stream taken, and then by this very batch.
    if (idempotencyKey !== undefined && error instanceof WrongExpectedRevision) return { ...result, replayed: true };
    throw error;
  }
  return { ...result, replayed: false };
}
