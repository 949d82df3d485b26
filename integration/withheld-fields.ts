import type { PublishedEvent } from './published-events.ts';

type DataKey<T extends PublishedEvent['type']> = keyof Extract<PublishedEvent, { type: T }>['data'];

/**
 * Fields of a published event's stored data that never leave in an integration message. A content
 * item's `url` is what its tier gates: the API shows it only to a caller the access rule lets in
 * (the creator, a subscriber at or above `minTier`), while a topic is read by every consumer
 * entitled to the topic, none of whom is checked against that rule. Title, tier and ids stay: the
 * public catalogue (`GET /v1/creators/:address/content`) shows them to anyone. The keys are checked
 * against each event's data type, so renaming a field fails to compile here.
 */
export const WITHHELD_FIELDS = {
  ContentPublished: ['url'],
  ContentUpdated: ['url'],
} as const satisfies { [T in PublishedEvent['type']]?: readonly DataKey<T>[] };

/**
 * The event data as published: the stored data without the fields withheld for its type.
 *
 * @example publicData('ContentPublished', { contentId, creator, title, minTier, url, publishedAt }) // { contentId, creator, title, minTier, publishedAt }
 */
export function publicData(type: string, data: unknown): unknown {
  const withheld: readonly string[] | undefined = Object.hasOwn(WITHHELD_FIELDS, type) ? WITHHELD_FIELDS[type as keyof typeof WITHHELD_FIELDS] : undefined;
  if (!withheld || data === null || typeof data !== 'object') return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => !withheld.includes(key)));
}
