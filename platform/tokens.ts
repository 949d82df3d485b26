import type { KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT, errors } from 'jose';
import { requireSecret } from './secrets.ts';

export interface TokenClaims {
  /** The Stellar address of the principal. */
  sub: string;
  /** The creator address the principal acts for, when acting as a creator. */
  tenant?: string | undefined;
  /** SEP-10: the wallet domain whose SIGNING_KEY co-signed the challenge (`client_domain` claim). */
  clientDomain?: string | undefined;
  /** The token's id (`jti`); SEP-10 tokens use the challenge transaction's hash. */
  jti?: string | undefined;
}

export interface VerifiedClaims extends TokenClaims {
  /** The expiry (`exp`, seconds since the epoch), when the token has one. */
  exp: number | undefined;
}

const ALG = 'HS256';

/**
 * Signs an API token (HS256 JWT).
 *
 * @example const token = await signToken(secret, { sub: 'G…', tenant: 'G…' }, 3600);
 */
export async function signToken(secret: string, claims: TokenClaims, ttlSeconds: number, issuer = 'substream'): Promise<string> {
  const extra = { ...(claims.tenant ? { tenant: claims.tenant } : {}), ...(claims.clientDomain ? { client_domain: claims.clientDomain } : {}) };
  const jwt = new SignJWT(extra)
    .setProtectedHeader({ alg: ALG })
    .setSubject(claims.sub)
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`);
  if (claims.jti) jwt.setJti(claims.jti);
  return jwt.sign(new TextEncoder().encode(requireSecret('JWT_SECRET', secret)));
}

export class InvalidToken extends Error {
  override name = 'InvalidToken';
  readonly reason: 'expired' | 'invalid';
  constructor(reason: 'expired' | 'invalid', message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * Verifies a token's signature, algorithm and expiry and returns its claims. A `KeyObject`
 * (`createSecretKey`) spares importing the secret on every call.
 *
 * @example const { sub, tenant } = await verifyToken(secret, token);
 */
export async function verifyToken(secret: string | KeyObject, token: string): Promise<VerifiedClaims> {
  if (typeof secret === 'string') requireSecret('JWT_SECRET', secret);
  else if (!secret.symmetricKeySize) throw new Error('JWT_SECRET is empty: refusing to sign or hash with an empty key');
  try {
    const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    const { payload } = await jwtVerify(token, key, { algorithms: [ALG] });
    if (typeof payload.sub !== 'string') throw new InvalidToken('invalid', 'token has no subject');
    const tenant = typeof payload.tenant === 'string' ? payload.tenant : undefined;
    return { sub: payload.sub, tenant, exp: payload.exp };
  } catch (error) {
    if (error instanceof InvalidToken) throw error;
    if (error instanceof errors.JWTExpired) throw new InvalidToken('expired', 'token expired');
    throw new InvalidToken('invalid', 'token is not valid');
  }
}
