import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { invoiceLinkDecider } from '../domain/invoice-link/decide.ts';
import { invoiceLinkStreamId } from '../domain/invoice-link/events.ts';
import { addSeconds } from '../domain/shared/time.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { handleCommand } from './handle-command.ts';
import { ContractAddress, isoTime, PositiveStroops, StellarAddress } from './schemas.ts';
import { argsVectorXdr, contractArg, type ContractArg } from './contract-args.ts';

/** Links live 7 days unless told otherwise. */
const DEFAULT_TTL_SECONDS = 7 * 86_400;

export const CreateInvoiceLinkInput = z
  .object({
    receiver: StellarAddress,
    amount: PositiveStroops,
    tokenAddress: ContractAddress,
    duration: z.number().int().min(1).max(10 * 366 * 86_400).describe('stream duration in seconds'),
    description: z.string().max(500).optional(),
    pdfUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
    expiresAt: isoTime().optional(),
  })
  .meta({ id: 'CreateInvoiceLinkInput' });
export type CreateInvoiceLinkInput = z.infer<typeof CreateInvoiceLinkInput>;

/** 96 random bits, base64url: 16 URL-safe characters. */
export function newSlug(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The stream parameters the payer's wallet needs, `Vec[receiver, token, amount: i128,
 * duration: u64, memo: String = slug]`, decoded and as one base64 ScVal vector.
 */
export function invoiceLinkParams(link: { receiver: string; token: string; amount: string; durationSeconds: number; slug: string }): { params: ContractArg[]; xdrParams: string } {
  const params = [
    contractArg('receiver', 'address', link.receiver),
    contractArg('token', 'address', link.token),
    contractArg('amount', 'i128', link.amount),
    contractArg('duration', 'u64', String(link.durationSeconds)),
    contractArg('memo', 'string', link.slug),
  ];
  return { params, xdrParams: argsVectorXdr(params) };
}

/**
 * Creates a DRAFT link with a fresh id and an unguessable slug (randomness lives here, not in the domain).
 *
 * @example const { id, slug } = await createInvoiceLink({ store }, { receiver, amount: '1000', tokenAddress, duration: 3600 }, context);
 */
export async function createInvoiceLink(deps: Pick<CommandDeps, 'store'>, input: CreateInvoiceLinkInput, context: CommandContext) {
  const d = CreateInvoiceLinkInput.parse(input);
  const linkId = randomUUID();
  const slug = newSlug();
  const expiresAt = d.expiresAt ? new Date(d.expiresAt).toISOString() : addSeconds(context.now, DEFAULT_TTL_SECONDS);
  const result = await handleCommand(
    deps.store,
    invoiceLinkStreamId(linkId),
    invoiceLinkDecider,
    {
      type: 'CreateInvoiceLink',
      data: {
        linkId, slug, receiver: d.receiver, token: d.tokenAddress, amount: BigInt(d.amount), durationSeconds: d.duration,
        description: d.description ?? null, pdfUrl: d.pdfUrl ?? null, expiresAt,
      },
      metadata: { now: context.now, actor: context.actor },
    },
    traceOf(context, context.tenantId ?? context.actor),
  );
  return {
    id: linkId, slug, status: 'DRAFT' as const, expiresAt, revision: result.revision,
    ...invoiceLinkParams({ receiver: d.receiver, token: d.tokenAddress, amount: d.amount, durationSeconds: d.duration, slug }),
  };
}
