import { contentDecider } from '../domain/content/decide.ts';
import { contentStreamId } from '../domain/content/events.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { handleCommand } from './handle-command.ts';
import { type ContentInput, writeContent } from './publish-content.ts';

/**
 * Replaces every field of content the acting tenant published (CONTENT.FORBIDDEN for another
 * creator's, CONTENT.DELETED once deleted). An unchanged body records nothing.
 *
 * @example await updateContent({ store }, contentId, { title: 'Ep. 1 (cut)', minTier: 'silver', url }, context);
 */
export async function updateContent(deps: Pick<CommandDeps, 'store'>, contentId: string, input: ContentInput, context: CommandContext & { tenantId: string }) {
  return writeContent(deps, 'UpdateContent', contentId, input, context);
}

/** Deletes content the acting tenant published (same refusals as an update). */
export async function deleteContent(deps: Pick<CommandDeps, 'store'>, contentId: string, context: CommandContext & { tenantId: string }) {
  const creator = context.tenantId;
  const result = await handleCommand(
    deps.store,
    contentStreamId(contentId),
    contentDecider,
    { type: 'DeleteContent', data: { contentId, creator }, metadata: { now: context.now, actor: context.actor } },
    traceOf(context, creator),
  );
  return { contentId, revision: result.revision };
}
