import type { TierName } from '../creator/events.ts';
import type { Address, CommandMetadata } from '../shared/types.ts';

/**
 * What the creator asks for. `minTier` is unchecked text here; `offeredTiers` are the tiers the
 * creator's own stream configures, loaded by the use case (the decider reads no other stream),
 * or null when the acting tenant is not a registered creator.
 */
interface ContentChange {
  contentId: string;
  /** The tenant acting: the creator publishing, or claiming to own the content. */
  creator: Address;
  title: string;
  minTier: string;
  url: string;
  offeredTiers: readonly TierName[] | null;
}

export type PublishContent = { type: 'PublishContent'; data: ContentChange; metadata: CommandMetadata };
export type UpdateContent = { type: 'UpdateContent'; data: ContentChange; metadata: CommandMetadata };
export type DeleteContent = { type: 'DeleteContent'; data: { contentId: string; creator: Address }; metadata: CommandMetadata };

export type ContentCommand = PublishContent | UpdateContent | DeleteContent;
