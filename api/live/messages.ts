import { comparePositions } from '../../eventstore/log-position.ts';
import type { LogPosition, RecordedEvent } from '../../eventstore/types.ts';

/** The facts the live feed carries (tenant = the event's `metadata.tenantId`): every subscription fact, and withdrawals. */
export const LIVE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'SubscriptionActivated', 'SubscriptionBilled', 'SubscriptionRenewed', 'TrialStarted', 'GracePeriodStarted',
  'SubscriptionCancelled', 'TierChanged', 'TipReceived', 'StreamWithdrawn',
]);

/** View events of the analytics ingest, counted per content each second. */
export const VIEW_EVENT_TYPES: ReadonlySet<string> = new Set(['ViewEventsRecorded', 'ViewsRecorded', 'ViewEventRecorded']);

/** One fact as a client receives it; `position` is an opaque token usable as `?since=`. */
export interface Delta {
  position: string;
  type: string;
  streamId: string;
  recordedAt: string;
  data: unknown;
}

/** What the feed sends: deltas (coalesced when the client lags), view counts, and the end of a replay. */
export type LiveMessage =
  | { type: 'deltas'; position: string; deltas: Delta[] }
  | { type: 'views'; at: string; counts: Record<string, number> }
  | { type: 'ready'; position: string | null; replayed: number };

/**
 * The opaque cursor of a log position (`{commit, prepare}`), and back (null when malformed).
 *
 * @example decodePosition(encodePosition({ commit: 7n, prepare: 42n })) // { commit: 7n, prepare: 42n }
 */
export function encodePosition(position: LogPosition): string {
  return `${position.commit}-${position.prepare}`;
}

export function decodePosition(token: string): LogPosition | null {
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(token);
  return match ? { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) } : null;
}

/** Log order: by commit (transaction id), then prepare (global position). */
export function isAfter(a: LogPosition, b: LogPosition): boolean {
  return comparePositions(a, b) > 0;
}

/** The tenant and client form of a live fact, or null for anything the feed does not carry. */
export function toDelta(event: RecordedEvent): { tenant: string; delta: Delta; at: LogPosition } | null {
  const tenant = event.metadata.tenantId;
  if (!tenant || !LIVE_EVENT_TYPES.has(event.type)) return null;
  return {
    tenant,
    at: event.position,
    delta: { position: encodePosition(event.position), type: event.type, streamId: event.streamId, recordedAt: event.recordedAt.toISOString(), data: event.data },
  };
}

/** Views per content in a view event (one view per item; tolerant of a single-view shape). */
export function viewCounts(event: RecordedEvent): Map<string, number> {
  const counts = new Map<string, number>();
  if (!VIEW_EVENT_TYPES.has(event.type) || typeof event.data !== 'object' || event.data === null) return counts;
  const data = event.data as { contentId?: unknown; items?: unknown; views?: unknown; events?: unknown };
  const items = [data.items, data.views, data.events].find(Array.isArray) ?? [data];
  for (const item of items as { contentId?: unknown }[]) {
    const contentId = item?.contentId ?? data.contentId;
    if (typeof contentId === 'string') counts.set(contentId, (counts.get(contentId) ?? 0) + 1);
  }
  return counts;
}
