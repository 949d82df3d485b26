import type { FastifyRequest } from 'fastify';
import { principalOf } from './plugins/auth.ts';

/** What a command needs to know about the request: who acts, for which tenant, when, and why. */
export function commandContext(request: FastifyRequest, tenantId: string) {
  return {
    actor: principalOf(request).address,
    tenantId,
    now: new Date().toISOString(),
    correlationId: request.id,
  };
}
