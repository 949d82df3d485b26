import type { TierName } from '../creator/events.ts';
import type { Address, Timestamp } from '../shared/types.ts';

/** What a creator publishes: a title, the lowest tier that unlocks it, and where it lives. */
export interface ContentFields {
  title: string;
  minTier: TierName;
  url: string;
}

export type ContentPublished = {
  type: 'ContentPublished';
  data: ContentFields & { contentId: string; creator: Address; publishedAt: Timestamp };
};
/** The whole new version (PUT semantics): every field, not a patch. */
export type ContentUpdated = {
  type: 'ContentUpdated';
  data: ContentFields & { contentId: string; creator: Address; updatedAt: Timestamp };
};
export type ContentDeleted = { type: 'ContentDeleted'; data: { contentId: string; creator: Address; deletedAt: Timestamp } };

export type ContentEvent = ContentPublished | ContentUpdated | ContentDeleted;

/** One stream per content item. */
export function contentStreamId(contentId: string): string {
  return `content-${contentId}`;
}
