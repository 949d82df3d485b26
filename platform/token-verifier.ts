import { createSecretKey } from 'node:crypto';
import { requireSecret } from './secrets.ts';
import { InvalidToken, verifyToken, type VerifiedClaims } from './tokens.ts';

export interface TokenVerifier {
  /** The token's claims (with its `exp`), or InvalidToken: what `verifyToken` says, from the cache when it can. */
  verify(token: string): Promise<VerifiedClaims>;
}

export interface TokenVerifierOptions {
  /** Verified tokens kept (least recently used dropped first); 0 verifies every call. */
  maxEntries?: number;
  /** The clock, in milliseconds since the epoch. */
  now?: () => number;
}


/**
 * Verifies bearer tokens, remembering each verified token string until its `exp`: the same token
 * string always carries the same signed claims, so a hit is as good as verifying it again. Only
 * successes are kept (a refused token is verified each time), bounded by `maxEntries`; at `exp` an
 * entry is dropped and the token refused as expired, as jose would (`exp <= now`).
 *
 * @example const verifier = createTokenVerifier(config.JWT_SECRET); const { sub } = await verifier.verify(token);
 */
export function createTokenVerifier(secret: string, options: TokenVerifierOptions = {}): TokenVerifier {
  const key = createSecretKey(Buffer.from(requireSecret('JWT_SECRET', secret), 'utf8'));
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const verified = new Map<string, VerifiedClaims>();
  return {
    async verify(token) {
      const cached = verified.get(token);
      if (cached) {
        verified.delete(token);
        if (cached.exp !== undefined && cached.exp <= Math.floor(now() / 1000)) throw new InvalidToken('expired', 'token expired');
        verified.set(token, cached);
        return cached;
      }
      const claims = await verifyToken(key, token);
      if (maxEntries > 0) {
        if (verified.size >= maxEntries) verified.delete(verified.keys().next().value!);
        verified.set(token, claims);
      }
      return claims;
    },
  };
}
