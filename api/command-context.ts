import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '../commands/context.ts';
import { principalOf } from './auth/principal.ts';

/**
 * What a command needs to know about the request: who acts, for which tenant, when, and why. The
 * correlation id is the request id; with an Idempotency-Key, the attempt id is the one the server
 * minted for the key's claim (never a client value), which lets a retry recognise its committed first try.
 */
export function commandContext(request: FastifyRequest, tenantId?: string): CommandContext {
  return {
    actor: principalOf(request).address,
    tenantId,
    now: new Date().toISOString(),
    correlationId: request.id,
    attemptId: request.idempotency?.attemptId,
  };
}
