import { TIER_ORDER, type TierName } from '../creator/events.ts';
import { DomainError } from '../shared/errors.ts';
import type { ContentFields } from './events.ts';

export const MAX_TITLE_LENGTH = 200;
export const MAX_URL_LENGTH = 2048;

const CONTROL = /[\u0000-\u001f\u007f]/;

function isWebUrl(value: string): boolean {
  if (value.length > MAX_URL_LENGTH || !/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/**
 * The fields of a publish or update, checked: a title of 1–200 characters without control
 * characters, an absolute http(s) URL without credentials (≤ 2048 characters), and a `minTier`
 * the creator offers. Throws CREATOR.NOT_REGISTERED (no tiers at all), CONTENT.INVALID_TITLE,
 * CONTENT.INVALID_URL or CONTENT.TIER_UNKNOWN.
 *
 * @example contentFields({ title: 'Episode 1', minTier: 'gold', url: 'https://cdn.example/e1.mp4' }, ['bronze', 'gold'])
 */
export function contentFields(input: { title: string; minTier: string; url: string }, offeredTiers: readonly TierName[] | null): ContentFields {
  if (offeredTiers === null) throw new DomainError('CREATOR.NOT_REGISTERED', 'register as a creator before publishing content');
  const title = input.title.trim();
  if (title.length === 0 || title.length > MAX_TITLE_LENGTH || CONTROL.test(title)) {
    throw new DomainError('CONTENT.INVALID_TITLE', `a title is 1–${MAX_TITLE_LENGTH} characters without control characters`);
  }
  if (!isWebUrl(input.url)) throw new DomainError('CONTENT.INVALID_URL', 'the url must be an absolute http(s) URL without credentials');
  const minTier = TIER_ORDER.find((name) => name === input.minTier);
  if (minTier === undefined || !offeredTiers.includes(minTier)) {
    throw new DomainError('CONTENT.TIER_UNKNOWN', `the creator offers no tier ${input.minTier}`, { minTier: input.minTier, offered: [...offeredTiers] });
  }
  return { title, minTier, url: input.url };
}
