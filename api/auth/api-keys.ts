import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../platform/database.ts';
import { requireSecret } from '../../platform/secrets.ts';
import { withTenantScope } from '../../platform/tenant-scope.ts';
import type { Bus } from '../plugins/redis.ts';
import type { Scope } from './scopes.ts';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** The bus channel every revocation is announced on (the message is the key's hash). */
export const REVOKED_CHANNEL = 'api-keys.revoked';
const TOUCH_EVERY_MS = 60_000;
/** Keys remembered by `lastSeen` (least recently resolved dropped first). */
const LAST_SEEN_MAX = 10_000;

function base58(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)]! + out;
    n /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/**
 * A new API key: `sk_live_` (mainnet) or `sk_test_` and 256 random bits in base58, plus the
 * prefix shown in listings.
 *
 * @example const { key, prefix } = generateApiKey(false); // sk_test_5Hq…
 */
export function generateApiKey(live: boolean): { key: string; prefix: string } {
  const key = `sk_${live ? 'live' : 'test'}_${base58(randomBytes(32))}`;
  return { key, prefix: key.slice(0, 'sk_test_'.length + 6) };
}

/** Whether a credential looks like an API key (rather than a JWT). */
export function isApiKey(credential: string): boolean {
  return /^sk_(live|test)_[1-9A-HJ-NP-Za-km-z]{30,60}$/.test(credential);
}

/** The stored form of a key: HMAC-SHA-256 with the server's pepper, hex. */
export function hashApiKey(pepper: string, key: string): string {
  return createHmac('sha256', requireSecret('API_KEY_PEPPER', pepper)).update(key).digest('hex');
}

export interface ApiKeyIdentity {
  id: string;
  tenant: string;
  scopes: Scope[];
}

export interface ApiKeyResolver {
  /** The stored form of a key (HMAC with this server's pepper). */
  hash(key: string): string;
  /** The active key's identity, or null when unknown or revoked. */
  resolve(key: string): Promise<ApiKeyIdentity | null>;
  /**
   * Who a key was when this instance last resolved it, without a database lookup: only for
   * choosing a rate-limit bucket before authentication, never to authorise (it may be revoked).
   */
  lastSeen(key: string): ApiKeyIdentity | undefined;
  /** Revokes a tenant's key on every instance; false when there is no such active key. */
  revoke(tenant: string, id: string): Promise<boolean>;
}

/**
 * Looks keys up by HMAC in PostgreSQL. With `cacheMs > 0` (only when a Redis bus connects the
 * instances) active keys are cached in-process and every revocation is broadcast to drop them.
 */
export async function apiKeyResolver(db: Db, pepper: string, bus: Bus, cacheMs: number): Promise<ApiKeyResolver> {
  requireSecret('API_KEY_PEPPER', pepper);
  const cache = new Map<string, { identity: ApiKeyIdentity; until: number }>();
  const seen = new Map<string, ApiKeyIdentity>();
  const remember = (hash: string, identity: ApiKeyIdentity) => {
    seen.delete(hash);
    seen.set(hash, identity);
    if (seen.size > LAST_SEEN_MAX) seen.delete(seen.keys().next().value!);
  };
  if (cacheMs > 0) {
    await bus.subscribe(REVOKED_CHANNEL, (hash) => cache.delete(hash));
    bus.onResync(() => cache.clear());
  }
  return {
    hash: (key) => hashApiKey(pepper, key),
    lastSeen: (key) => seen.get(hashApiKey(pepper, key)),
    async resolve(key) {
      const hash = hashApiKey(pepper, key);
      const cached = cache.get(hash);
      if (cached && cached.until > Date.now()) return cached.identity;
      const row = await withTenantScope(db, { apiKeyHash: hash }, async (trx) => {
        const found = await trx
          .selectFrom('api_keys')
          .select(['id', 'tenant_id', 'scopes', 'last_used_at'])
          .where('key_hash', '=', hash)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (found && (!found.last_used_at || found.last_used_at.getTime() < Date.now() - TOUCH_EVERY_MS)) {
          // The holder's view is read-only: the touch is a write of the key's own tenant.
          await sql`select set_config('app.current_tenant_id', ${found.tenant_id}, true)`.execute(trx);
          await trx.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', found.id).execute();
        }
        return found;
      });
      if (!row) {
        cache.delete(hash);
        seen.delete(hash);
        return null;
      }
      const identity = { id: row.id, tenant: row.tenant_id, scopes: row.scopes as Scope[] };
      remember(hash, identity);
      if (cacheMs > 0) cache.set(hash, { identity, until: Date.now() + cacheMs });
      return identity;
    },
    async revoke(tenant, id) {
      const row = await withTenantScope(db, { tenantId: tenant }, (trx) => trx
        .updateTable('api_keys')
        .set({ revoked_at: new Date() })
        .where('id', '=', id)
        .where('tenant_id', '=', tenant)
        .where('revoked_at', 'is', null)
        .returning('key_hash')
        .executeTakeFirst());
      if (!row) return false;
      cache.delete(row.key_hash);
      seen.delete(row.key_hash);
      await bus.publish(REVOKED_CHANNEL, row.key_hash);
      return true;
    },
  };
}
