import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '../commands/context.ts';
import { principalOf } from './auth/principal.ts';

/**
 * What a command needs to know about the request: who acts (address, API key), for which tenant, when, and why. The
 * correlation id is the request id; with an Idempotency-Key, the attempt id is the one the server
 * minted for the key's claim (never a client value), which lets a retry recognise its committed first try.
 */
export function commandContext(request: FastifyRequest, tenantId?: string): CommandContext {
  const principal = principalOf(request);
  return {
    actor: principal.address,
    apiKeyId: principal.apiKeyId,
    tenantId,
    now: new Date().toISOString(),
    correlationId: request.id,
    attemptId: request.idempotency?.attemptId,
  };
}
