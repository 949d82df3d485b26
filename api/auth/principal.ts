import { StrKey } from '@stellar/stellar-sdk';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { ApiKeyIdentity } from './api-keys.ts';
import type { Grant } from './scopes.ts';

/**
 * Who a request acts as, and for which tenant. The tenancy rule lives here and nowhere else:
 * - a wallet (a JWT whose subject is a plain `G…` account, as SEP-10 login issues) is the tenant
 *   of itself: once registered as a creator it manages its own tiers, content, keys and flags;
 * - a JWT whose `tenant` claim differs from `sub` is a delegation: only a holder of JWT_SECRET
 *   (the operator, `substream token --tenant`) can mint one, SEP-10 login never does;
 * - a muxed (`M…`) or memo (`G…:memo`) subject is a user of a shared account, never a tenant;
 * - an API key acts for the tenant that created it.
 */
export interface Principal {
  /** The authenticated Stellar address (for an API key: its tenant). */
  address: string;
  /** The creator (tenant) the principal acts for; undefined for a shared-account user. */
  tenant: string | undefined;
  /** `'all'` for a JWT (its identity limits it), the key's scopes for an API key. */
  scopes: Grant;
  /** The API key's id when authenticated by one. */
  apiKeyId: string | undefined;
  /** When the credential stops being valid (a JWT's `exp`, seconds since the epoch); undefined for API keys. */
  expiresAt?: number | undefined;
}

/**
 * The principal of a verified JWT: its `tenant` claim (delegation), else the subject itself when
 * it is a plain account.
 *
 * @example tokenPrincipal({ sub: 'GABC…' }).tenant // 'GABC…'
 */
export function tokenPrincipal(claims: { sub: string; tenant?: string | undefined; exp?: number | undefined }): Principal {
  const ownTenant = StrKey.isValidEd25519PublicKey(claims.sub) ? claims.sub : undefined;
  return { address: claims.sub, tenant: claims.tenant ?? ownTenant, scopes: 'all', apiKeyId: undefined, expiresAt: claims.exp };
}

/**
 * The principal of an active API key: it acts for its tenant, within its scopes.
 *
 * @example apiKeyPrincipal({ id, tenant: 'GABC…', scopes: ['streams:read'] }).tenant // 'GABC…'
 */
export function apiKeyPrincipal(key: ApiKeyIdentity): Principal {
  return { address: key.tenant, tenant: key.tenant, scopes: key.scopes, apiKeyId: key.id };
}

/**
 * The principal of an authenticated request (route policy `auth: 'required'` guarantees one).
 *
 * @example const { address } = principalOf(request);
 */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(401, 'AUTH.MISSING_TOKEN', 'authentication required');
  return request.principal;
}

/**
 * The tenant a creator-scoped request acts for (route policy `tenant: true` guarantees one).
 *
 * @example const creator = tenantOf(request);
 */
export function tenantOf(request: FastifyRequest): string {
  const tenant = principalOf(request).tenant;
  if (!tenant) throw tenantRequired();
  return tenant;
}

/** 403 AUTH.TENANT_REQUIRED: the principal is a shared-account user, acting for no creator. */
export function tenantRequired(): ApiError {
  return new ApiError(403, 'AUTH.TENANT_REQUIRED', 'this route acts for a creator: sign in with the creator\'s own account (a muxed or memo account is not one)');
}
