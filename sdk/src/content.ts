import type { CallOptions, Transport } from './transport.ts';
import type { ContentAccess, ContentFilter, ContentInput, ContentPage, WrittenContent } from './types.ts';

const contentPath = (id: string, rest = '') => `v1/content/${encodeURIComponent(id)}${rest}`;

/**
 * Tier-gated content: a creator publishes, anyone lists, the caller's subscription decides access.
 *
 * @example const { listCreatorContent } = contentMethods(createTransport({ baseUrl }));
 */
export function contentMethods(send: Transport) {
  return {
    /**
     * Publishes content for the caller's tenant (a token with a tenant claim, or a `content:write`
     * key); `minTier` must be one of the creator's tiers (422 CONTENT.TIER_UNKNOWN).
     *
     * @example const { contentId } = await creatorClient.publishContent({ title: 'Ep. 1', minTier: 'gold', url: 'https://cdn.example/1.mp4' });
     */
    publishContent(input: ContentInput, options?: CallOptions): Promise<WrittenContent> {
      return send({ method: 'POST', path: 'v1/content', body: input, idempotent: true }, options);
    },

    /**
     * Replaces every field of an item the caller published (403 CONTENT.FORBIDDEN for another
     * creator's, 410 CONTENT.DELETED once deleted).
     *
     * @example await creatorClient.updateContent(contentId, { title: 'Ep. 1 (cut)', minTier: 'silver', url });
     */
    updateContent(id: string, input: ContentInput, options?: CallOptions): Promise<WrittenContent> {
      return send({ method: 'PUT', path: contentPath(id), body: input, idempotent: true }, options);
    },

    /**
     * Deletes an item the caller published (same refusals as an update).
     *
     * @example await creatorClient.deleteContent(contentId);
     */
    async deleteContent(id: string, options?: CallOptions): Promise<void> {
      await send({ method: 'DELETE', path: contentPath(id), idempotent: true }, options);
    },

    /**
     * One page of a creator's published content, newest first; public. Each item's `url` is null
     * unless the caller may open it (`accessible`, `reason`). Pass `nextCursor` back as `cursor`.
     *
     * @example
     * for (let cursor: string | undefined; ; ) {
     *   const page = await client.listCreatorContent('GABC…', { limit: 50, ...(cursor ? { cursor } : {}) });
     *   if (!page.nextCursor) break; cursor = page.nextCursor;
     * }
     */
    listCreatorContent(creator: string, filter: ContentFilter = {}, options?: CallOptions): Promise<ContentPage> {
      return send({ method: 'GET', path: `v1/creators/${encodeURIComponent(creator)}/content`, query: filter }, options);
    },

    /**
     * Whether the caller (anonymous without credentials) may open an item, and why.
     *
     * @example const { allowed, reason } = await client.getContentAccess(contentId); // false, 'TIER_TOO_LOW'
     */
    getContentAccess(id: string, options?: CallOptions): Promise<ContentAccess> {
      return send({ method: 'GET', path: contentPath(id, '/access') }, options);
    },
  };
}

export type ContentMethods = ReturnType<typeof contentMethods>;
