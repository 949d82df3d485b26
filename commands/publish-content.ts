import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { contentDecider } from '../domain/content/decide.ts';
import { contentStreamId } from '../domain/content/events.ts';
import { MAX_TITLE_LENGTH, MAX_URL_LENGTH } from '../domain/content/fields.ts';
import { TIER_ORDER, creatorStreamId, type TierName } from '../domain/creator/events.ts';
import { evolve as evolveCreator, initialState as initialCreator, type CreatorState } from '../domain/creator/state.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { decideAndAppend, foldAggregate } from './handle-command.ts';

/** Shape only; whether the creator offers `minTier` is the decider's rule (CONTENT.TIER_UNKNOWN, 422). */
export const ContentInput = z
  .object({
    title: z.string().trim().min(1).max(MAX_TITLE_LENGTH).regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters'),
    minTier: z.enum(TIER_ORDER),
    url: z.url({ protocol: /^https?$/ }).max(MAX_URL_LENGTH),
  })
  .meta({ id: 'ContentInput' });
export type ContentInput = z.infer<typeof ContentInput>;

/**
 * The tier names the creator's own stream configures; null when it is not a registered creator (the
 * decider answers that, after it has checked who owns the content).
 *
 * @example const offered = offeredTiers(creatorState); // ['bronze', 'gold']
 */
function offeredTiers(creator: CreatorState): TierName[] | null {
  return creator.status === 'registered' ? creator.tiers.map((t) => t.name) : null;
}

/**
 * Records a publish or a full update of one content item for the acting tenant, checked against
 * the tiers the creator offers now.
 *
 * @example await writeContent({ store }, 'UpdateContent', contentId, { title, minTier: 'silver', url }, context);
 */
export async function writeContent(
  deps: Pick<CommandDeps, 'store'>,
  type: 'PublishContent' | 'UpdateContent',
  contentId: string,
  input: ContentInput,
  context: CommandContext & { tenantId: string },
) {
  const fields = ContentInput.parse(input);
  const creator = context.tenantId;
  const streamId = contentStreamId(contentId);
  // Both streams in one round trip; the append still expects the content revision read here.
  const [creatorEvents, contentEvents] = await deps.store.readStreams([creatorStreamId(creator), streamId]);
  const { state: creatorState } = foldAggregate(creatorEvents!, { initialState: initialCreator, evolve: evolveCreator });
  const result = await decideAndAppend(
    deps.store,
    streamId,
    contentDecider,
    foldAggregate(contentEvents!, contentDecider),
    {
      type,
      data: { contentId, creator, ...fields, offeredTiers: offeredTiers(creatorState) },
      metadata: { now: context.now, actor: context.actor },
    },
    traceOf(context, creator),
  );
  return { contentId, creator, ...fields, revision: result.revision };
}

/**
 * Publishes content for the acting tenant under a fresh id, gated at one of its tiers.
 *
 * @example const { contentId } = await publishContent({ store }, { title: 'Ep. 1', minTier: 'gold', url: 'https://cdn.example/1' }, context);
 */
export async function publishContent(deps: Pick<CommandDeps, 'store'>, input: ContentInput, context: CommandContext & { tenantId: string }) {
  return writeContent(deps, 'PublishContent', randomUUID(), input, context);
}
