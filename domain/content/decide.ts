import { DomainError, assertNever } from '../shared/errors.ts';
import type { ContentCommand, DeleteContent, PublishContent, UpdateContent } from './commands.ts';
import type { ContentDeleted, ContentEvent, ContentPublished, ContentUpdated } from './events.ts';
import { contentFields } from './fields.ts';
import { evolve, initialState, type ContentState } from './state.ts';

/** The live content the acting creator owns: CONTENT.NOT_FOUND, CONTENT.FORBIDDEN or CONTENT.DELETED otherwise. */
function ownLiveContent(state: ContentState, contentId: string, creator: string): Exclude<ContentState, { status: 'none' }> {
  if (state.status === 'none') throw new DomainError('CONTENT.NOT_FOUND', `no content ${contentId}`, { contentId });
  if (state.creator !== creator) throw new DomainError('CONTENT.FORBIDDEN', 'only the creator who published this content may change it', { contentId });
  if (state.status === 'deleted') throw new DomainError('CONTENT.DELETED', 'this content was deleted', { contentId });
  return state;
}

/** A new item under a fresh id, gated at one of the creator's own tiers. */
export function publishContent(command: PublishContent, state: ContentState): ContentPublished[] {
  const { contentId, creator, offeredTiers } = command.data;
  if (state.status !== 'none') throw new DomainError('CONTENT.ALREADY_EXISTS', `content ${contentId} already exists`, { contentId });
  const fields = contentFields(command.data, offeredTiers);
  return [{ type: 'ContentPublished', data: { contentId, creator, ...fields, publishedAt: command.metadata.now } }];
}

/** Replaces every field; an update that changes nothing records nothing. */
export function updateContent(command: UpdateContent, state: ContentState): ContentUpdated[] {
  const { contentId, creator, offeredTiers } = command.data;
  const current = ownLiveContent(state, contentId, creator);
  const fields = contentFields(command.data, offeredTiers);
  if (fields.title === current.title && fields.minTier === current.minTier && fields.url === current.url) return [];
  return [{ type: 'ContentUpdated', data: { contentId, creator, ...fields, updatedAt: command.metadata.now } }];
}

export function deleteContent(command: DeleteContent, state: ContentState): ContentDeleted[] {
  const { contentId, creator } = command.data;
  ownLiveContent(state, contentId, creator);
  return [{ type: 'ContentDeleted', data: { contentId, creator, deletedAt: command.metadata.now } }];
}

export function decide(command: ContentCommand, state: ContentState): ContentEvent[] {
  switch (command.type) {
    case 'PublishContent':
      return publishContent(command, state);
    case 'UpdateContent':
      return updateContent(command, state);
    case 'DeleteContent':
      return deleteContent(command, state);
    default:
      return assertNever(command);
  }
}

/** The content aggregate as one value (`handleCommand` takes it). */
export const contentDecider = { initialState, evolve, decide };
