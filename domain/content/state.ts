import { assertNever } from '../shared/errors.ts';
import type { Address, Timestamp } from '../shared/types.ts';
import type { ContentEvent, ContentFields } from './events.ts';

export type ContentState =
  | { status: 'none' }
  | (ContentFields & { status: 'published' | 'deleted'; contentId: string; creator: Address; publishedAt: Timestamp; updatedAt: Timestamp });

export const initialState = (): ContentState => ({ status: 'none' });

export function evolve(state: ContentState, event: ContentEvent): ContentState {
  switch (event.type) {
    case 'ContentPublished': {
      const { contentId, creator, title, minTier, url, publishedAt } = event.data;
      return { status: 'published', contentId, creator, title, minTier, url, publishedAt, updatedAt: publishedAt };
    }
    case 'ContentUpdated': {
      if (state.status === 'none') return state;
      const { title, minTier, url, updatedAt } = event.data;
      return { ...state, title, minTier, url, updatedAt };
    }
    case 'ContentDeleted':
      return state.status === 'none' ? state : { ...state, status: 'deleted', updatedAt: event.data.deletedAt };
    default:
      return assertNever(event);
  }
}
