import type { Address, Timestamp } from '../shared/types.ts';

/** One playback report from a player: `watchedSeconds` watched from `positionSeconds` of the content. */
export interface ViewReport {
  viewer: string | null;
  positionSeconds: number;
  watchedSeconds: number;
  at: Timestamp;
}

/**
 * The views of one content item received in one ingest request. A request's events (one per
 * content) are appended together to that request's own stream (`viewBatchStreamId`).
 */
export type ViewEventsRecorded = {
  type: 'ViewEventsRecorded';
  data: { tenantId: Address; contentId: string; receivedAt: Timestamp; views: ViewReport[] };
};

export type AnalyticsEvent = ViewEventsRecorded;

/** Each ingest request gets its own stream: concurrent requests never contend on a revision. */
export function viewBatchStreamId(tenantId: Address, batchId: string): string {
  return `views-${tenantId}-${batchId}`;
}
