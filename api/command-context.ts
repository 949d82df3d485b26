import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '../commands/context.ts';
import { principalOf } from './auth/principal.ts';

/**
 * What a command needs to know about the request: who acts, for which tenant, when, and why. The
 * correlation id is the Idempotency-Key claim's (the same on every retry with the key), else the request id;
 * with a key, it is also the attempt id that lets a retry recognise its committed first try.
 */
export function commandContext(request: FastifyRequest, tenantId?: string): CommandContext {
  return {
    actor: principalOf(request).address,
    tenantId,
    now: new Date().toISOString(),
    correlationId: request.idempotency?.correlationId ?? request.id,
    attemptId: request.idempotency?.correlationId,
  };
}
