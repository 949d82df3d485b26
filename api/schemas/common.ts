import { StrKey } from '@stellar/stellar-sdk';
import { z } from 'zod';

/** The one error shape of every non-2xx response. */
export const ErrorBody = z
  .object({
    code: z.string().describe('Stable, namespaced error code, e.g. SUBSCRIPTION.ALREADY_ACTIVE'),
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string().optional(),
    error: z.string().optional().describe('SEP-10 endpoints only: `message` again, under the name SEP-10 wallets read'),
  })
  .meta({ id: 'Error' });

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  422: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
} as const;

export const AccountAddress = z
  .string()
  .refine((v) => StrKey.isValidEd25519PublicKey(v), 'must be a Stellar account address (G…) with a valid checksum')
  .meta({ example: 'GCEZWKCA5VLDNRLN3RPRJMRZOX3Z6G5CHCGSNFHEYVXM3XOJMDS674JZ' });

export const ContractAddress = z
  .string()
  .refine((v) => StrKey.isValidContract(v), 'must be a Stellar contract address (C…) with a valid checksum');

/** An i128 amount in stroops as a decimal string. */
export const Stroops = z.string().regex(/^-?\d{1,39}$/, 'must be an integer amount of stroops as a decimal string');

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Same key and body within 24 h returns the first response; a different body is 422'),
});
