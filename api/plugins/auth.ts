import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Networks } from '@stellar/stellar-sdk';
import { localSecret } from '../../platform/secrets.ts';
import { createTokenVerifier } from '../../platform/token-verifier.ts';
import { InvalidToken } from '../../platform/tokens.ts';
import { apiKeyResolver, isApiKey, type ApiKeyIdentity, type ApiKeyResolver } from '../auth/api-keys.ts';
import { apiKeyPrincipal, tokenPrincipal, type Principal } from '../auth/principal.ts';
import { ApiError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Why the credential sent was refused (raised by routes whose policy is not public). */
    authError: ApiError | null;
    /** An API key sent, not looked up yet (the `resolve-api-keys` hook does, after rate limiting). */
    pendingApiKey: string | null;
    /** Who `pendingApiKey` was when this instance last resolved it: its rate-limit bucket. */
    claimedApiKey: ApiKeyIdentity | null;
  }
  interface FastifyInstance {
    apiKeys: ApiKeyResolver;
    /** Whether API keys are `sk_live_…` (mainnet) or `sk_test_…`. */
    apiKeysLive: boolean;
  }
}

const INVALID_API_KEY = new ApiError(401, 'AUTH.INVALID_API_KEY', 'unknown or revoked API key');

/** API keys are cached this long per instance, only when Redis pub/sub can revoke them everywhere. */
const API_KEY_CACHE_MS = 30_000;

/** Browsers cannot set headers on a WebSocket: they offer the subprotocols `bearer, <token>`. */
function webSocketCredential(request: FastifyRequest): string | null {
  const offered = request.headers['sec-websocket-protocol'];
  if (typeof offered !== 'string') return null;
  const [scheme, token] = offered.split(',').map((part) => part.trim());
  return scheme?.toLowerCase() === 'bearer' ? (token ?? '') : null;
}

function credentialOf(request: FastifyRequest): string | null {
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey;
  const header = request.headers.authorization;
  if (!header) return webSocketCredential(request);
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1]! : '';
}

/**
 * Identification in two steps so that rate limiting runs between them: this plugin's onRequest
 * hook verifies JWTs (CPU only, remembered until exp) and only marks an API key as pending;
 * `resolveApiKeys`, registered after the rate limiter, looks pending keys up in PostgreSQL. A
 * flood of made-up keys so spends the client's budget, not a SELECT each, once over it.
 *
 * Authentication: `Authorization: Bearer <JWT>` (HS256, JWT_SECRET; SEP-10 login issues the same
 * tokens; a verified token is remembered until its exp, see platform/token-verifier.ts) or an API
 * key as `Bearer sk_…` / `X-API-Key: sk_…`, looked up by HMAC in PostgreSQL.
 * Every request is identified once (rate limiting keys on the principal); each route's policy
 * (plugins/route-policy.ts) decides whether it needs one and raises the credential's error.
 */
export default fp(
  async (app) => {
    const { config } = app.services;
    if (!config.API_KEY_PEPPER && config.DATABASE_URL) {
      app.log.warn('API_KEY_PEPPER is unset: using a pepper generated in DATA_DIR, which other instances will not share');
    }
    const pepper = config.API_KEY_PEPPER ?? (await localSecret(config.DATA_DIR, 'api-key-pepper'));
    app.decorate('apiKeys', await apiKeyResolver(app.services.db, pepper, app.bus, app.redis ? API_KEY_CACHE_MS : 0));
    app.decorate('apiKeysLive', config.STELLAR_NETWORK === Networks.PUBLIC);
    const tokens = createTokenVerifier(app.services.jwtSecret);
    app.decorateRequest('principal', null);
    app.decorateRequest('authError', null);
    app.decorateRequest('pendingApiKey', null);
    app.decorateRequest('claimedApiKey', null);

    app.addHook('onRequest', async (request) => {
      const credential = credentialOf(request);
      if (credential === null) return;
      if (credential === '') {
        request.authError = new ApiError(401, 'AUTH.MISSING_TOKEN', 'send Authorization: Bearer <token>');
      } else if (credential.startsWith('sk_')) {
        if (isApiKey(credential)) {
          request.pendingApiKey = credential;
          request.claimedApiKey = app.apiKeys.lastSeen(credential) ?? null;
        } else request.authError = INVALID_API_KEY;
      } else {
        try {
          const claims = await tokens.verify(credential);
          request.principal = tokenPrincipal(claims);
        } catch (error) {
          if (!(error instanceof InvalidToken)) throw error;
          const code = error.reason === 'expired' ? 'AUTH.TOKEN_EXPIRED' : 'AUTH.INVALID_TOKEN';
          request.authError = new ApiError(401, code, error.message);
        }
      }
    });
  },
  { name: 'auth', dependencies: ['services', 'redis'] },
);

/**
 * Looks up the API key `auth` left pending (HMAC + SELECT): a root onRequest hook registered after
 * the rate limiter, so refused requests never reach it; routes' own hooks (the route policy check)
 * run after it.
 */
export const resolveApiKeys = fp(
  async (app) => {
    app.addHook('onRequest', async (request) => {
      const credential = request.pendingApiKey;
      if (!credential) return;
      request.pendingApiKey = null;
      const key = await app.apiKeys.resolve(credential);
      if (key) request.principal = apiKeyPrincipal(key);
      else request.authError = INVALID_API_KEY;
    });
  },
  { name: 'resolve-api-keys', dependencies: ['auth', 'rate-limit'] },
);
