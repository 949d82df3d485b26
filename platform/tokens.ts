import { jwtVerify, SignJWT, errors } from 'jose';

export interface TokenClaims {
  /** The Stellar address of the principal. */
  sub: string;
  /** The creator address the principal acts for, when acting as a creator. */
  tenant?: string | undefined;
}

const ALG = 'HS256';

/**
 * Signs an API token (HS256 JWT).
 *
 * @example const token = await signToken(secret, { sub: 'G…', tenant: 'G…' }, 3600);
 */
export async function signToken(secret: string, claims: TokenClaims, ttlSeconds: number, issuer = 'substream'): Promise<string> {
  const jwt = new SignJWT(claims.tenant ? { tenant: claims.tenant } : {})
    .setProtectedHeader({ alg: ALG })
    .setSubject(claims.sub)
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`);
  return jwt.sign(new TextEncoder().encode(secret));
}

export class InvalidToken extends Error {
  override name = 'InvalidToken';
  readonly reason: 'expired' | 'invalid';
  constructor(reason: 'expired' | 'invalid', message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Verifies a token's signature, algorithm and expiry and returns its claims. */
export async function verifyToken(secret: string, token: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: [ALG] });
    if (typeof payload.sub !== 'string') throw new InvalidToken('invalid', 'token has no subject');
    const tenant = typeof payload.tenant === 'string' ? payload.tenant : undefined;
    return { sub: payload.sub, tenant };
  } catch (error) {
    if (error instanceof InvalidToken) throw error;
    if (error instanceof errors.JWTExpired) throw new InvalidToken('expired', 'token expired');
    throw new InvalidToken('invalid', 'token is not valid');
  }
}
