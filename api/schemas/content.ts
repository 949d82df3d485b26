import { z } from 'zod';
import { ACCESS_REASONS } from '../../domain/content/access.ts';
import { TIER_ORDER } from '../../domain/creator/events.ts';

const Tier = z.enum(TIER_ORDER);
export const AccessReason = z.enum(ACCESS_REASONS).describe(
  'OWNER, SUBSCRIPTION_ACTIVE, SUBSCRIPTION_TRIALING, SUBSCRIPTION_GRACE (allowed); ANONYMOUS, NO_SUBSCRIPTION, SUBSCRIPTION_PENDING, SUBSCRIPTION_CANCELLED, SUBSCRIPTION_EXPIRED, TIER_TOO_LOW (refused)',
);

/** An item as the caller sees it: `url` is null unless `accessible` (gated URLs never leak). */
export const ContentView = z
  .object({
    contentId: z.string(),
    creator: z.string(),
    title: z.string(),
    minTier: Tier,
    url: z.string().nullable().describe('null unless accessible'),
    accessible: z.boolean(),
    reason: AccessReason,
    publishedAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ContentItem' });

/** What a publish or update recorded, for the creator (who may always see the url). */
export const WrittenContent = z
  .object({ contentId: z.string(), creator: z.string(), title: z.string(), minTier: Tier, url: z.string(), revision: z.number().int() })
  .meta({ id: 'WrittenContent' });

export const ContentAccess = z
  .object({
    allowed: z.boolean(),
    reason: AccessReason,
    tier: Tier.describe('the lowest tier that unlocks the content'),
    subscriberTier: Tier.nullable().describe("the tier the caller's subscription pays for, when it has one"),
  })
  .meta({ id: 'ContentAccess' });
