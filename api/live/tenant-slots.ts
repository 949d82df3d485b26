export interface TenantSlots {
  /** Takes one of the tenant's slots; false when it holds `max` already. */
  take(tenant: string): boolean;
  release(tenant: string): void;
}

/**
 * Counts the live connections each tenant holds on this instance, up to `max`.
 *
 * @example const slots = tenantSlots(20); if (!slots.take(tenant)) socket.close(4409, 'LIVE.TOO_MANY_CONNECTIONS');
 */
export function tenantSlots(max: number): TenantSlots {
  const held = new Map<string, number>();
  return {
    take(tenant) {
      const n = held.get(tenant) ?? 0;
      if (n >= max) return false;
      held.set(tenant, n + 1);
      return true;
    },
    release(tenant) {
      const n = (held.get(tenant) ?? 0) - 1;
      if (n > 0) held.set(tenant, n);
      else held.delete(tenant);
    },
  };
}
