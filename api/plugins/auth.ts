import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { InvalidToken, verifyToken } from '../../platform/tokens.ts';
import { ApiError } from '../errors.ts';

export interface Principal {
  /** The authenticated Stellar address. */
  address: string;
  /** The creator (tenant) the principal acts for, when it does. */
  tenant: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** preHandler: requires a valid bearer token. */
    authenticate(request: FastifyRequest): Promise<void>;
  }
}

/** The principal of an authenticated request (call only behind `app.authenticate`). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(401, 'AUTH.MISSING_TOKEN', 'authentication required');
  return request.principal;
}

/** The tenant a creator-scoped request acts for. */
export function tenantOf(request: FastifyRequest): string {
  const tenant = principalOf(request).tenant;
  if (!tenant) throw new ApiError(403, 'AUTH.TENANT_REQUIRED', 'this route needs a token that acts for a creator (tenant claim)');
  return tenant;
}

/** Bearer JWT authentication (HS256, JWT_SECRET); SEP-10 login issues the same tokens. */
export default fp(
  async (app) => {
    app.decorateRequest('principal', null);
    app.decorate('authenticate', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!match) throw new ApiError(401, 'AUTH.MISSING_TOKEN', 'send Authorization: Bearer <token>');
      try {
        const claims = await verifyToken(app.services.jwtSecret, match[1]!);
        request.principal = { address: claims.sub, tenant: claims.tenant };
      } catch (error) {
        if (!(error instanceof InvalidToken)) throw error;
        const code = error.reason === 'expired' ? 'AUTH.TOKEN_EXPIRED' : 'AUTH.INVALID_TOKEN';
        throw new ApiError(401, code, error.message);
      }
    });
  },
  { name: 'auth', dependencies: ['services'] },
);
