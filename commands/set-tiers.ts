import { z } from 'zod';
import { creatorDecider } from '../domain/creator/decide.ts';
import { TIER_ORDER, creatorStreamId, type Tier } from '../domain/creator/events.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { handleCommand } from './handle-command.ts';
import { ContractAddress, Stroops } from './schemas.ts';

const TierPrice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rate'), ratePerSecond: Stroops }),
  z.object({ kind: z.literal('period'), amount: Stroops, periodSeconds: z.number().int().positive().max(10 * 366 * 86_400) }),
]);

/** ISO 4217 codes of real currencies (the runtime's list: no test or unknown codes). */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const CardPrice = z.object({
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 code').transform((c) => c.toUpperCase())
    .refine((c) => CURRENCIES.has(c), 'must be a currency in use (ISO 4217)'),
  // Stripe's largest unit_amount is 99,999,999 minor units: a larger price would be refused at sync.
  amount: z.string().regex(/^[1-9]\d{0,7}$/, 'must be a positive whole amount of the currency\'s minor units (cents), at most 99999999, as a decimal string'),
}).describe('Monthly card price (Stripe); absent = wallet only');

const TierInput = z.object({ name: z.enum(TIER_ORDER), token: ContractAddress, price: TierPrice, card: CardPrice.optional() });

/** Positivity, unique names, bronze < silver < gold and distinct streamed rates are domain rules (domain/creator/tiers.ts). */
export const SetTiersInput = z.object({ tiers: z.array(TierInput).max(TIER_ORDER.length) }).meta({ id: 'SetTiersInput' });
export type SetTiersInput = z.infer<typeof SetTiersInput>;

/**
 * Replaces the acting creator's tiers.
 *
 * @example await setTiers({ store }, { tiers: [{ name: 'bronze', token: 'CA…', price: { kind: 'rate', ratePerSecond: '10' } }] }, context);
 */
export async function setTiers(deps: Pick<CommandDeps, 'store'>, input: SetTiersInput, context: CommandContext) {
  const tiers: Tier[] = SetTiersInput.parse(input).tiers;
  // The tenant the request acts for (a delegated token's tenant), else the acting wallet itself.
  const creator = context.tenantId ?? context.actor;
  const result = await handleCommand(
    deps.store,
    creatorStreamId(creator),
    creatorDecider,
    { type: 'SetTiers', data: { creator, tiers }, metadata: { now: context.now, actor: context.actor } },
    traceOf(context, creator),
  );
  return { creator, streamId: result.streamId, revision: result.revision, tiers };
}
