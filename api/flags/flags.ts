import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '../../eventstore/types.ts';

/** A flag's setting: on/off and an optional JSON value (a variant, a limit, …). */
export interface FlagSetting {
  enabled: boolean;
  value: unknown;
}

export interface FlagChangedData {
  flag: string;
  enabled: boolean;
  value: unknown;
  /** The setting before the change; null for a flag set for the first time. */
  previous: FlagSetting | null;
}

export const FLAG_CHANGED = 'TenantFeatureFlagChanged';

export interface TenantFlags {
  flags: Map<string, FlagSetting>;
  /** The stream's last revision, or -1 when no flag was ever set. */
  revision: number;
}

/** The event stream holding one tenant's flag changes (the audit log). */
export const flagStream = (tenant: string) => `tenant-flags-${tenant}`;

/** Folds a tenant's flag events into their current settings. */
export function foldFlags(events: readonly RecordedEvent[]): TenantFlags {
  const flags = new Map<string, FlagSetting>();
  let revision = -1;
  for (const event of events) {
    revision = event.streamRevision;
    if (event.type !== FLAG_CHANGED) continue;
    const data = event.data as FlagChangedData;
    flags.set(data.flag, { enabled: data.enabled, value: data.value ?? null });
  }
  return { flags, revision };
}

export async function loadFlags(store: EventStore, tenant: string): Promise<TenantFlags> {
  return foldFlags(await store.readStream(flagStream(tenant)));
}

export interface FlagChange {
  flag: string;
  enabled: boolean;
  value?: unknown;
}

export interface ChangeContext {
  tenant: string;
  actor: string;
  correlationId: string;
  now: string;
}

/**
 * Applies flag changes as events (one per flag that actually changes) with optimistic
 * concurrency on the tenant's stream; returns the new settings and how many changed.
 *
 * @example await changeFlags(store, [{ flag: 'new-checkout', enabled: true }], ctx);
 */
export async function changeFlags(store: EventStore, changes: readonly FlagChange[], context: ChangeContext): Promise<{ state: TenantFlags; changed: number }> {
  const current = await loadFlags(store, context.tenant);
  const events = changes.flatMap((change) => {
    const previous = current.flags.get(change.flag) ?? null;
    const value = change.value ?? null;
    if (previous && previous.enabled === change.enabled && JSON.stringify(previous.value) === JSON.stringify(value)) return [];
    const data: FlagChangedData = { flag: change.flag, enabled: change.enabled, value, previous };
    return [{
      id: randomUUID(),
      type: FLAG_CHANGED,
      data,
      metadata: { tenantId: context.tenant, correlationId: context.correlationId, source: 'command' as const, actor: context.actor, at: context.now },
    }];
  });
  if (events.length === 0) return { state: current, changed: 0 };
  await store.append(flagStream(context.tenant), events, { expectedRevision: current.revision < 0 ? 'no_stream' : current.revision });
  return { state: await loadFlags(store, context.tenant), changed: events.length };
}

export interface FlagAuditEntry {
  flag: string;
  actor: string | null;
  at: string;
  from: FlagSetting | null;
  to: FlagSetting;
}

/** Every change of a tenant's flags, oldest first: who, when, old → new. */
export async function flagAudit(store: EventStore, tenant: string): Promise<FlagAuditEntry[]> {
  const events = await store.readStream(flagStream(tenant));
  return events
    .filter((e) => e.type === FLAG_CHANGED)
    .map((e) => {
      const data = e.data as FlagChangedData;
      const actor = typeof e.metadata.actor === 'string' ? e.metadata.actor : null;
      const at = typeof e.metadata.at === 'string' ? e.metadata.at : e.recordedAt.toISOString();
      return { flag: data.flag, actor, at, from: data.previous, to: { enabled: data.enabled, value: data.value ?? null } };
    });
}
