import type { Db } from '../../platform/database.ts';
import { withTenantScope } from '../../platform/tenant-scope.ts';
import { REVOKED_CHANNEL } from '../auth/api-keys.ts';
import type { Bus } from '../plugins/redis.ts';

export const CLOSE_UNAUTHENTICATED = 4401;

/** A connection held under a credential: closed when the credential stops being valid. */
export interface Holder {
  /** The API key the connection authenticated with, if any. */
  apiKeyId: string | undefined;
  /** The tenant the connection reads (the key's own): its keys are rechecked under that tenant's row-level security. */
  tenant: string;
  /** The JWT's `exp` (seconds since the epoch), if any. */
  expiresAt: number | undefined;
  close(code: number, reason: string): void;
}

export interface LiveAuthority {
  /** Watches a connection's credential until the returned function is called. */
  watch(holder: Holder): () => void;
  close(): void;
}

/** setTimeout's longest delay; a later expiry re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Keeps long-lived connections authorised: a JWT's connection closes with 4401
 * AUTH.TOKEN_EXPIRED at its `exp`; an API key's closes with 4401 AUTH.API_KEY_REVOKED once the
 * key is revoked. Revocation is read from PostgreSQL (the source of truth, shared by every
 * instance) for all watched keys in one query, every `recheckMs` and at once whenever a
 * revocation is announced on the bus (this instance, or every instance through Redis).
 *
 * @example const authority = liveAuthority(db, app.bus, { recheckMs: 5_000 }); const unwatch = authority.watch({ apiKeyId, tenant, expiresAt, close });
 */
export function liveAuthority(db: Db, bus: Bus, options: { recheckMs: number; onError?: (error: unknown) => void }): LiveAuthority {
  const byKey = new Map<string, { tenant: string; holders: Set<Holder> }>();
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;

  const check = async () => {
    if (byKey.size === 0) return;
    const byTenant = new Map<string, string[]>();
    for (const [id, watched] of byKey) byTenant.set(watched.tenant, [...(byTenant.get(watched.tenant) ?? []), id]);
    for (const [tenant, ids] of byTenant) {
      const active = await withTenantScope(db, { tenantId: tenant }, (trx) =>
        trx.selectFrom('api_keys').select('id').where('id', 'in', ids).where('revoked_at', 'is', null).execute());
      const still = new Set(active.map((row) => row.id));
      for (const id of ids) {
        if (still.has(id)) continue;
        for (const holder of byKey.get(id)?.holders ?? []) holder.close(CLOSE_UNAUTHENTICATED, 'AUTH.API_KEY_REVOKED');
        byKey.delete(id);
      }
    }
  };
  const recheck = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = check()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          recheck();
        }
      });
  };

  const interval = setInterval(recheck, options.recheckMs).unref();
  void bus.subscribe(REVOKED_CHANNEL, recheck).catch((error: unknown) => options.onError?.(error));
  bus.onResync(recheck);

  return {
    watch(holder) {
      let timer: NodeJS.Timeout | undefined;
      const arm = (exp: number) => {
        const left = exp * 1000 - Date.now();
        if (left <= 0) return holder.close(CLOSE_UNAUTHENTICATED, 'AUTH.TOKEN_EXPIRED');
        timer = setTimeout(() => arm(exp), Math.min(left, MAX_TIMER_MS)).unref();
      };
      if (holder.expiresAt !== undefined) arm(holder.expiresAt);
      if (holder.apiKeyId) {
        const watched = byKey.get(holder.apiKeyId) ?? { tenant: holder.tenant, holders: new Set<Holder>() };
        byKey.set(holder.apiKeyId, watched);
        watched.holders.add(holder);
      }
      return () => {
        clearTimeout(timer);
        const watched = holder.apiKeyId ? byKey.get(holder.apiKeyId) : undefined;
        watched?.holders.delete(holder);
        if (watched?.holders.size === 0) byKey.delete(holder.apiKeyId!);
      };
    },
    close() {
      closed = true;
      clearInterval(interval);
    },
  };
}
